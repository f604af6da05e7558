// "Add a row" and "Remove" for every list of rows a form grows before saving: the call form's
// tables (levels, rubric, entry questions, prize tiers), an online contest's or relay's draw
// rules, the paper builder's draw rules. Driven by data attributes:
//   <button class="qs-add-row" data-rows="ID" data-template="ID" [data-prefix="P"] hidden>
// copies the <template>'s row to the end of the element `data-rows` names (a table's body, for a
// table). With `data-prefix`, the rows are a Django formset's: "__prefix__" in the copy becomes
// the next form's number, P-TOTAL_FORMS counts it, and the button goes off at P-MAX_NUM_FORMS.
// A `.qs-remove-row` button inside a `[data-row]` takes that row away (lists without a prefix
// only: a formset's numbering has no gaps). Either way the list gets a bubbling
// "qs:rows-changed" event (`detail.added`: the new row, or null) for the page's own script.
// The button shows only once this script runs: without it the page still saves its rows.
(function () {
  "use strict";
  const changed = (list, added) => list.dispatchEvent(new CustomEvent("qs:rows-changed", { bubbles: true, detail: { added: added } }));

  document.querySelectorAll("button.qs-add-row").forEach((button) => {
    const target = document.getElementById(button.dataset.rows);
    const template = document.getElementById(button.dataset.template);
    if (!target || !template) return;
    const list = target.tBodies ? target.tBodies[0] : target;
    const prefix = button.dataset.prefix;
    const total = prefix ? document.getElementById("id_" + prefix + "-TOTAL_FORMS") : null;
    const most = prefix ? document.getElementById("id_" + prefix + "-MAX_NUM_FORMS") : null;
    if (prefix && !total) return;
    const full = () => Boolean(most) && Number(total.value) >= Number(most.value);
    button.hidden = false;
    button.disabled = full();
    button.addEventListener("click", () => {
      if (full()) return;
      // A fresh <template> parses the copy where it belongs (a <tr> outside a table is dropped).
      const holder = document.createElement("template");
      holder.innerHTML = prefix ? template.innerHTML.replaceAll("__prefix__", total.value) : template.innerHTML;
      const row = holder.content.firstElementChild;
      list.appendChild(row);
      if (total) total.value = String(Number(total.value) + 1);
      button.disabled = full();
      changed(list, row);
      const first = row.querySelector("input, select, textarea");
      if (first) first.focus();
    });
  });

  document.addEventListener("click", (event) => {
    const remove = event.target.closest(".qs-remove-row");
    const row = remove && remove.closest("[data-row]");
    if (!row) return;
    const list = row.parentElement;
    row.remove();
    changed(list, null);
  });
})();
