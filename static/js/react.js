// Helpful and Me too, in place: the post's form is sent with fetch and its buttons show the
// new counts, so the reader keeps their place in the thread. Without JavaScript, or if the
// request fails in a way we cannot explain, the form posts as usual and the page comes back
// at the post.
(function () {
  document.querySelectorAll("form.reaction-form").forEach((form) => {
    const status = form.querySelector(".reaction-status");
    form.addEventListener("submit", async (event) => {
      const button = event.submitter;
      if (!button || !window.fetch) return;
      event.preventDefault();
      const data = new FormData(form);
      data.set("kind", button.value);
      const fallback = () => {
        // form.submit() sends no button: the kind goes in a field of its own.
        const kind = document.createElement("input");
        kind.type = "hidden";
        kind.name = "kind";
        kind.value = button.value;
        form.append(kind);
        form.submit();
      };
      let response;
      try {
        response = await fetch(form.action, {
          method: "POST",
          body: data,
          headers: { Accept: "application/json" },
          credentials: "same-origin",
        });
      } catch (error) {
        fallback(); // offline or refused: the plain form says what happened
        return;
      }
      const answer = await response.json().catch(() => null);
      if (!answer) {
        fallback();
        return;
      }
      if (!response.ok) {
        status.textContent = answer.error;
        return;
      }
      form.querySelectorAll("button.reaction").forEach((each) => {
        const count = answer[each.value + "_count"];
        each.querySelector(".reaction-count").textContent = count || "";
        if (each.value === answer.kind) each.setAttribute("aria-pressed", String(answer.active));
      });
      status.textContent = "";
    });
  });
})();
