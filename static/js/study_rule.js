// The study-hours rule page: step rows added and removed, and the preview ("a 20-minute lesson
// earns ...") asked of the server for the rule being typed, so it is worked out by the same code
// that grants the hours.
(function () {
  "use strict";
  const preview = document.getElementById("rule-preview");
  if (!preview) return;
  const form = document.getElementById("rule-form");
  const result = document.getElementById("preview-result");
  const today = document.getElementById("preview-today");
  let asked = 0;

  function refresh() {
    const data = form ? new FormData(form) : new FormData();
    data.set("csrfmiddlewaretoken", preview.querySelector("[name=csrfmiddlewaretoken]").value);
    data.set("preview_minutes", document.getElementById("preview-minutes").value);
    const mine = ++asked;
    preview.setAttribute("aria-busy", "true");
    fetch(preview.action, { method: "POST", body: data, credentials: "same-origin" })
      .then((response) => response.json())
      .then((answer) => {
        if (mine !== asked) return;
        result.textContent = answer.text || "";
        if (answer.today) today.textContent = answer.today;
        preview.dataset.hours = answer.hours || "";
        preview.removeAttribute("aria-busy");
      })
      .catch(() => { if (mine === asked) preview.removeAttribute("aria-busy"); });
  }

  let timer = null;
  function soon() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 200);
  }

  preview.addEventListener("submit", (event) => { event.preventDefault(); refresh(); });
  preview.addEventListener("input", soon);
  if (form) {
    const rows = document.getElementById("step-rows");
    const template = document.getElementById("step-row-template");
    form.addEventListener("input", soon);
    form.addEventListener("change", soon);
    document.getElementById("add-step").addEventListener("click", () => {
      const row = template.content.firstElementChild.cloneNode(true);
      rows.appendChild(row);
      row.querySelector("input").focus();
    });
    rows.addEventListener("click", (event) => {
      const button = event.target.closest("[data-remove-step]");
      if (!button) return;
      button.closest("[data-step-row]").remove();
      soon();
    });
  }
})();
