// Quote a selection: select part of a post, then press its "Quote" link, and only the selected
// words go into the reply box at the foot of the thread, with the usual "X wrote" link back.
// Without a selection, or without JavaScript, the link opens the reply page with the whole
// post quoted, as before.
(function () {
  const box = document.querySelector("#reply textarea[name=body]");
  if (!box) return;

  function escapeMarkdown(text) {
    return text.replace(/([\\`*_[\]<>#!|~])/g, "\\$1");
  }

  function selectionIn(body) {
    const selection = window.getSelection();
    if (!selection || selection.isCollapsed || selection.rangeCount === 0) return "";
    const range = selection.getRangeAt(0);
    if (!body.contains(range.startContainer) || !body.contains(range.endContainer)) return "";
    return selection.toString().trim();
  }

  document.querySelectorAll(".post").forEach((post) => {
    const link = post.querySelector('.post-actions a[href*="quote="]');
    const body = post.querySelector(".post-body");
    const author = post.querySelector(".post-meta .pseudonym");
    const permalink = post.querySelector(".post-meta .permalink");
    if (!link || !body || !author || !permalink) return;
    link.addEventListener("click", (event) => {
      const text = selectionIn(body);
      if (!text) return; // the whole post, on the reply page
      event.preventDefault();
      const quoted = text
        .split(/\r?\n/)
        .map((line) => (line.trim() ? "> " + line.trim() : ">"))
        .join("\n");
      const source = new URL(permalink.href).pathname;
      const quote = `[${escapeMarkdown(author.textContent.trim())} wrote](${source}):\n${quoted}\n\n`;
      box.value = box.value.trim() ? box.value.replace(/\s*$/, "\n\n") + quote : quote;
      box.focus();
      box.setSelectionRange(box.value.length, box.value.length);
      box.scrollIntoView({ block: "center" });
    });
  });
})();
