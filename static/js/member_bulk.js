// The member list's bulk bar: tick all on the page, count the ticked, and show only the fields
// the chosen action needs. Without script the form still posts and the server checks it all.
(function () {
  "use strict";
  const form = document.getElementById("member-bulk-form");
  if (!form) return;
  const boxes = () => Array.from(form.querySelectorAll("input[name=member]:not(:disabled)"));
  const all = document.getElementById("member-select-all");
  const count = document.getElementById("member-selected-count");
  const action = document.getElementById("bulk-action");
  let wasGranting = false;
  function refresh() {
    const ticked = boxes().filter((box) => box.checked).length;
    if (count) count.textContent = count.dataset.template.replace("__N__", ticked);
    if (all) all.checked = ticked > 0 && ticked === boxes().length;
    form.querySelectorAll("[data-bulk-for]").forEach((field) => {
      field.hidden = !field.dataset.bulkFor.split(" ").includes(action ? action.value : "");
    });
    // Roles are granted only in units the user administers; the server checks it again.
    const granting = action && ["grant", "revoke"].includes(action.value);
    const unit = document.getElementById("bulk-unit");
    if (unit) {
      unit.querySelectorAll("option[data-no-grant]").forEach((option) => {
        option.disabled = granting;
      });
      if (granting && unit.selectedOptions[0] && unit.selectedOptions[0].disabled) unit.value = "";
      // The unit picker (unit_picker.js) reads the options again when the ones offered change.
      if (unit.tomselect && granting !== wasGranting) unit.tomselect.sync();
    }
    wasGranting = granting;
  }
  if (all) {
    all.addEventListener("change", () => {
      boxes().forEach((box) => {
        box.checked = all.checked;
      });
      refresh();
    });
  }
  // Deactivating shuts the ticked members out: asked first, naming them (at most ten, then "…").
  function deactivateQuestion() {
    const names = boxes()
      .filter((box) => box.checked)
      .map((box) => box.getAttribute("aria-label"));
    if (names.length === 1) return form.dataset.confirmDeactivateOne.replace("__NAME__", names[0]);
    const shown = names.slice(0, 10).join(form.dataset.nameSeparator) + (names.length > 10 ? "…" : "");
    return form.dataset.confirmDeactivateMany.replace("__N__", names.length).replace("__NAMES__", shown);
  }
  // Temporary passwords end the selected members' own at once: asked first, as on a member's page.
  form.addEventListener("submit", (event) => {
    const chosen = action ? action.value : "";
    const ticked = boxes().some((box) => box.checked);
    if (chosen === "passwords" && !window.confirm(form.dataset.confirmPasswords)) event.preventDefault();
    else if (chosen === "deactivate" && ticked && !window.confirm(deactivateQuestion())) event.preventDefault();
  });
  form.addEventListener("change", refresh);
  refresh();
})();
