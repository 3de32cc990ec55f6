// "Keep me signed in" on the sign-in page: the provider buttons are plain links (they work
// without JavaScript); when the box is ticked they carry remember=1.
(function () {
  const choice = document.getElementById("remember-choice");
  const box = document.getElementById("remember");
  if (!choice || !box) return;
  choice.hidden = false;
  box.addEventListener("change", () => {
    document.querySelectorAll("a[data-sign-in]").forEach((link) => {
      const url = new URL(link.href);
      if (box.checked) url.searchParams.set("remember", "1");
      else url.searchParams.delete("remember");
      link.href = url.toString();
    });
  });
})();
