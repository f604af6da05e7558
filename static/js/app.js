// What markup cannot say under the Content-Security-Policy, which refuses inline handlers and
// style attributes: selects that submit their form when changed, and sizes given as data.
(function () {
  "use strict";
  document.querySelectorAll("select[data-submit-on-change]").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
  });
  // Setting a style from script (the CSSOM) is allowed where a style attribute is not.
  document.querySelectorAll("[data-percent]").forEach((element) => {
    element.style.width = element.dataset.percent + "%";
  });
  document.querySelectorAll("button[data-print]").forEach((button) => {
    button.addEventListener("click", () => window.print());
  });
  document.querySelectorAll("[data-depth]").forEach((element) => {
    element.style.setProperty("--depth", element.dataset.depth);
  });
  // A form whose effect cannot be taken back asks first (data-confirm: the question, translated).
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
})();
