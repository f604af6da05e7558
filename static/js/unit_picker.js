// The units a ranking rule covers: Tom Select over a plain multiple select (what a browser
// without JavaScript gets), each unit by its full path; typing searches the paths.
(function () {
  "use strict";
  document.querySelectorAll("select[data-unit-picker]").forEach((select) => {
    // eslint-disable-next-line no-undef
    new TomSelect(select, {
      plugins: { remove_button: { title: select.dataset.removeTitle } },
      hideSelected: true,
      maxOptions: 200,
      placeholder: select.dataset.placeholder,
    });
    select.setAttribute("aria-hidden", "true"); // the picker stands for it (judge_picker.js)
  });
})();
