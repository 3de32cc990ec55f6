// Sign-in hop: send the provider's answer on from our own page, so the browser includes the
// session cookie. Without JavaScript the visible "Continue" button does the same.
document.querySelectorAll("form[data-autosubmit]").forEach((form) => form.submit());
