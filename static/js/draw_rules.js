// Draw rules of an online contest or a relay: "Add a rule" copies the formset's empty row (its
// __prefix__ numbered as the next form, TOTAL_FORMS raised), up to MAX_NUM_FORMS; each row's
// knowledge points are only those its chosen bank's questions carry.
(function () {
  "use strict";
  const list = document.getElementById("draw-rules");
  const add = document.getElementById("add-draw-rule");
  if (!list) return;

  function offerBankTags(row) {
    const bank = row.querySelector("select[name$='-bank']");
    const tag = row.querySelector("select[name$='-tag']");
    if (!bank || !tag) return;
    Array.from(tag.options).forEach((option) => {
      if (!option.value) return;
      const fits = !bank.value || (option.dataset.banks || "").split(" ").includes(bank.value);
      option.hidden = !fits;
      option.disabled = !fits;
      if (!fits && option.selected) tag.value = "";
    });
  }
  function watch(row) {
    offerBankTags(row);
    row.querySelector("select[name$='-bank']")?.addEventListener("change", () => offerBankTags(row));
  }
  list.querySelectorAll(".qs-draw-rule").forEach(watch);

  if (!add) return;
  const prefix = add.dataset.prefix;
  const total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
  const most = Number(document.getElementById("id_" + prefix + "-MAX_NUM_FORMS").value);
  function limit() {
    add.disabled = Number(total.value) >= most;
  }
  add.addEventListener("click", () => {
    const index = Number(total.value);
    if (index >= most) return;
    const template = document.getElementById("draw-rule-template");
    const html = template.innerHTML.replace(/__prefix__/g, String(index));
    const holder = document.createElement("div");
    holder.innerHTML = html;
    const row = holder.firstElementChild;
    list.appendChild(row);
    total.value = String(index + 1);
    watch(row);
    row.querySelector("select, input")?.focus();
    limit();
  });
  limit();
})();
