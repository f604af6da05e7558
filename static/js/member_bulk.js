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
  function refresh() {
    const ticked = boxes().filter((box) => box.checked).length;
    if (count) count.textContent = count.dataset.template.replace("__N__", ticked);
    if (all) all.checked = ticked > 0 && ticked === boxes().length;
    form.querySelectorAll("[data-bulk-for]").forEach((field) => {
      field.hidden = !field.dataset.bulkFor.split(" ").includes(action ? action.value : "");
    });
  }
  if (all) {
    all.addEventListener("change", () => {
      boxes().forEach((box) => {
        box.checked = all.checked;
      });
      refresh();
    });
  }
  // Temporary passwords end the selected members' own at once: asked first, as on a member's page.
  form.addEventListener("submit", (event) => {
    if (action && action.value === "passwords" && !window.confirm(form.dataset.confirmPasswords)) event.preventDefault();
  });
  form.addEventListener("change", refresh);
  refresh();
})();
