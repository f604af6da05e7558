// A file form with data-max-bytes refuses a file over the call's limit before sending it: a 2 GB
// file would otherwise travel in full (or meet the proxy's bare 413) before the server said so.
// The input marked invalid shows the form's .invalid-feedback, which names the limit.
(function () {
  "use strict";
  document.querySelectorAll("form[data-max-bytes]").forEach((form) => {
    const max = Number(form.dataset.maxBytes);
    const inputs = [...form.querySelectorAll("input[type=file]")];
    form.addEventListener("submit", (event) => {
      const large = inputs.find((input) => [...input.files].some((file) => file.size > max));
      if (!large) return;
      event.preventDefault();
      large.classList.add("is-invalid");
      large.focus();
    });
    inputs.forEach((input) => input.addEventListener("change", () => input.classList.remove("is-invalid")));
  });
})();
