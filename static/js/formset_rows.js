// "Add a row" under a formset's table: a copy of the formset's empty row, numbered as the next
// form, as the paper builder adds a draw rule. Without script the page still offers one empty row.
(function () {
  "use strict";
  document.querySelectorAll("button.qs-add-row").forEach((button) => {
    const table = document.getElementById(button.dataset.table);
    const template = document.getElementById(button.dataset.table + "-row");
    const total = document.getElementById("id_" + button.dataset.prefix + "-TOTAL_FORMS");
    const most = document.getElementById("id_" + button.dataset.prefix + "-MAX_NUM_FORMS");
    if (!table || !template || !total) return;
    button.hidden = false;
    button.addEventListener("click", () => {
      const number = Number(total.value);
      if (most && number >= Number(most.value)) return;
      const holder = document.createElement("tbody");
      holder.innerHTML = template.innerHTML.replaceAll("__prefix__", String(number));
      const row = holder.firstElementChild;
      table.tBodies[0].appendChild(row);
      total.value = String(number + 1);
      const first = row.querySelector("input, select");
      if (first) first.focus();
    });
  });
})();
