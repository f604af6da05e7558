// The contest builder: relay order by drag and drop (SortableJS), saved at once; captain ticks
// saved at once; and the round form shows the fields of the chosen question source.
// Without script the forms still post (save button, both question sources shown).
(function () {
  "use strict";

  function save(form) {
    const status = form.querySelector(".qs-team-status");
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "X-Requested-With": "fetch" },
      credentials: "same-origin",
    })
      .then((response) => response.json().then((body) => ({ ok: response.ok, body })))
      .then(({ ok, body }) => {
        if (status) status.textContent = ok ? form.dataset.saved : body.error ? body.error.message : form.dataset.failed;
        form.dataset.state = ok ? "saved" : "failed";
      })
      .catch(() => {
        if (status) status.textContent = form.dataset.failed;
        form.dataset.state = "failed";
      });
  }

  function renumber(form, list) {
    const items = Array.from(list.querySelectorAll("[data-member]"));
    items.forEach((item, index) => {
      const leg = item.querySelector(".qs-leg");
      if (leg) leg.textContent = String(index + 1);
    });
    form.querySelector("input[name=order]").value = items.map((item) => item.dataset.member).join(",");
  }

  document.querySelectorAll(".qs-team-form").forEach((form) => {
    const list = form.querySelector("[data-sortable]");
    if (!list) return;
    form.querySelectorAll(".qs-save").forEach((button) => {
      button.hidden = true;
    });
    if (window.Sortable) {
      window.Sortable.create(list, {
        handle: ".qs-drag-handle",
        animation: 150,
        ghostClass: "qs-sortable-ghost",
        chosenClass: "qs-sortable-chosen",
        onEnd: () => {
          renumber(form, list);
          save(form);
        },
      });
    }
    form.querySelectorAll("input[name=captain]").forEach((radio) => {
      radio.addEventListener("change", () => save(form));
    });
  });

  const roundForm = document.getElementById("round-form");
  if (roundForm) {
    const show = () => {
      const chosen = roundForm.querySelector("input[name=source]:checked");
      roundForm.querySelectorAll("[data-source]").forEach((section) => {
        section.hidden = chosen && section.dataset.source !== chosen.value;
      });
    };
    roundForm.addEventListener("change", show);
    show();
  }
})();
