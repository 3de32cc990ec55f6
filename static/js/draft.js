// A form that keeps a draft on the server (a report's steps, a new thread, a reply) says
// where to save it in data-autosave. Without JavaScript, "Save draft" (and a report's step
// buttons) save it; with it, the form is also saved every 30 seconds when something changed, and when the member switches to another tab or app, so
// a closed tab or a lost phone costs little. The status line (role="status") says when.
(function () {
  const form = document.querySelector("form[data-autosave]");
  const status = document.getElementById("draft-status");
  if (!form || !status) return;
  const EVERY_MS = 30000;
  let changed = false;
  let saving = false;

  const clock = (iso) =>
    new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

  function save() {
    if (!changed || saving) return;
    saving = true;
    changed = false;
    // The form's own fields, its CSRF token among them; no button's value is sent.
    fetch(form.dataset.autosave, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then((response) => {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then((body) => {
        status.textContent = `Draft saved at ${clock(body.saved_at)}.`;
      })
      .catch(() => {
        changed = true; // tried again at the next turn
        status.textContent =
          "The draft could not be saved just now. Your answers are still on this page; “Save draft” tries again.";
      })
      .finally(() => {
        saving = false;
      });
  }

  form.addEventListener("input", () => {
    changed = true;
  });
  form.addEventListener("change", () => {
    changed = true;
  });
  // A button sends the form itself: nothing left for the timer.
  form.addEventListener("submit", () => {
    changed = false;
  });
  setInterval(save, EVERY_MS);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") save();
  });
  // Ctrl+S (Cmd+S) saves at once, as in an editor, rather than the browser saving the page.
  form.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key === "s") {
      event.preventDefault();
      changed = true;
      save();
    }
  });
})();
