// Draw rules of an online contest or a relay: each rule's knowledge points are only those its
// chosen bank's questions carry, in the rows the page came with and in those "Add a rule" adds
// (static/js/formset_rows.js).
(function () {
  "use strict";
  const list = document.getElementById("draw-rules");
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
  list.querySelectorAll(".qs-draw-rule").forEach(offerBankTags);
  list.addEventListener("change", (event) => {
    if (event.target.matches("select[name$='-bank']")) offerBankTags(event.target.closest(".qs-draw-rule"));
  });
  list.addEventListener("qs:rows-changed", (event) => {
    if (event.detail.added) offerBankTags(event.detail.added);
  });
})();
