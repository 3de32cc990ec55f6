// A form shown again with errors: move the focus to the summary at its top, so a keyboard or
// screen reader user starts at the list of problems, each a link to its field. A link then
// puts the focus in its field (the first choice of a group), not just the page at it.
// Without JavaScript the summary is still the first thing before the form, role="alert" has
// it read out, and each link still scrolls to its field.
(function () {
  const summary = document.getElementById("error-summary");
  if (!summary) return;
  summary.focus();
  summary.querySelectorAll('a[href^="#"]').forEach((link) => {
    link.addEventListener("click", (event) => {
      const target = document.getElementById(link.getAttribute("href").slice(1));
      if (!target) return;
      const input = target.matches("input, select, textarea")
        ? target
        : target.querySelector("input, select, textarea");
      if (!input) return;
      event.preventDefault();
      input.focus();
      const label = target.closest(".field") || target;
      label.scrollIntoView({ block: "start" });
    });
  });
})();
