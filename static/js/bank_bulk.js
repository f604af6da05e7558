// The bank page's bulk bar: tick all on the page and count the ticked. Without script the form
// still posts; the next page asks to confirm, with the numbers.
(function () {
  "use strict";
  const form = document.getElementById("bank-bulk-form");
  if (!form) return;
  const boxes = () => Array.from(form.querySelectorAll("input[name=question]"));
  const all = document.getElementById("question-select-all");
  const count = document.getElementById("question-selected-count");
  function refresh() {
    const ticked = boxes().filter((box) => box.checked).length;
    if (count) count.textContent = count.dataset.template.replace("__N__", ticked);
    if (all) all.checked = ticked > 0 && ticked === boxes().length;
  }
  if (all) {
    all.addEventListener("change", () => {
      boxes().forEach((box) => {
        box.checked = all.checked;
      });
      refresh();
    });
  }
  form.addEventListener("change", refresh);
  refresh();
})();
