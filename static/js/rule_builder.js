// The ranking rule builder: rows added, removed and reordered (drag with SortableJS, or the
// arrow buttons), sections shown for the choices that use them, the composite weights' live sum,
// and the preview of the top rows fetched for the unsaved form.
(function () {
  "use strict";
  const form = document.getElementById("rule-form");
  if (!form) return;

  // Sections shown only for some choices: data-show-if="<select id>:<value>,<value>", several
  // such conditions joined by ";" when all must hold.
  const conditional = Array.from(form.querySelectorAll("[data-show-if]"));
  function showSections() {
    conditional.forEach((element) => {
      const hidden = element.dataset.showIf.split(";").some((condition) => {
        const [id, values] = condition.split(":");
        const select = document.getElementById(id);
        return !!select && !values.split(",").includes(select.value);
      });
      element.classList.toggle("d-none", hidden);
    });
  }

  // Prize tiers: the unit after each value follows the prize mode (a score band on the
  // participation rate is typed in percent, as the board shows the rate).
  const tierList = document.getElementById("tier-rows");
  const prizeMode = document.getElementById("id_prize_mode");
  const metric = document.getElementById("id_metric");
  function tierUnits() {
    const mode = prizeMode.value === "band" && metric && metric.value === "participation" ? "bandRate" : prizeMode.value;
    const unit = tierList.dataset["unit" + mode.charAt(0).toUpperCase() + mode.slice(1)] || "";
    tierList.querySelectorAll("[data-tier-unit]").forEach((span) => { span.textContent = unit; });
  }

  // Quotas per group: offered once the rule has groups (and kept in sight while a row has one, so
  // the server's message about it has its input next to it).
  const groupLevel = document.getElementById("id_group_level");
  function groupQuotas() {
    const grouped = !!groupLevel && groupLevel.value.trim() !== "";
    form.querySelectorAll("[data-group-quota]").forEach((element) => {
      const input = element.querySelector("input");
      element.classList.toggle("d-none", !grouped && !(input && input.value.trim()));
    });
  }

  // Tie-breaks: numbered in order; each key offered once.
  const tieList = document.getElementById("tie-break-list");
  const tieChoice = document.getElementById("tie-break-choice");
  const tieAdd = document.getElementById("add-tie-break");
  function tieBreaks() {
    const used = new Set();
    tieList.querySelectorAll("[data-tie-break]").forEach((item, index) => {
      item.querySelector("[data-tie-break-number]").textContent = index + 1;
      used.add(item.dataset.tieBreak);
    });
    let first = null;
    Array.from(tieChoice.options).forEach((option) => {
      option.hidden = option.disabled = used.has(option.value);
      if (!option.disabled && first === null) first = option;
    });
    // Keep the key chosen unless it is now in the list (any change on the form refreshes this).
    const chosen = tieChoice.selectedOptions[0];
    if (first && (!chosen || chosen.disabled)) tieChoice.value = first.value;
    tieChoice.disabled = tieAdd.disabled = first === null;
    // The choice below the list is not part of the chain until added: an empty chain says so.
    document.getElementById("tie-break-none").hidden = used.size > 0;
  }

  // Composite weights: their sum, green at exactly 100 %.
  const sum = document.getElementById("weight-sum");
  function weightSum() {
    let total = 0;
    form.querySelectorAll("[data-weight]").forEach((input) => {
      const value = parseFloat(input.value);
      if (!isNaN(value)) total += value;
    });
    total = Math.round(total * 100) / 100;
    sum.textContent = total + " %";
    const ok = total === 100;
    sum.classList.toggle(sum.dataset.ok, ok);
    sum.classList.toggle(sum.dataset.bad, !ok);
  }

  // Sources: the kind decides which picker shows.
  function sourceTargets(row) {
    const kind = row.querySelector("[data-source-kind]").value;
    row.querySelectorAll("[data-source-target]").forEach((target) => {
      target.classList.toggle("d-none", !target.dataset.sourceTarget.split(" ").includes(kind));
    });
    // An online-contest source reads papers of online contests only, as the server checks.
    const papers = row.querySelector("select[name=source_paper]");
    Array.from(papers.options).forEach((option) => {
      option.hidden = option.disabled = !!option.value && kind === "online" && !option.hasAttribute("data-online");
    });
    if (papers.selectedOptions[0] && papers.selectedOptions[0].disabled) papers.value = "";
  }

  function refresh() { showSections(); tierUnits(); groupQuotas(); tieBreaks(); weightSum(); }

  function cloneTemplate(id) {
    return document.getElementById(id).content.firstElementChild.cloneNode(true);
  }

  document.getElementById("add-tier").addEventListener("click", () => {
    const row = cloneTemplate("tier-row-template");
    tierList.appendChild(row);
    refresh();
    row.querySelector("input").focus();
  });
  document.getElementById("add-source").addEventListener("click", () => {
    const row = cloneTemplate("source-row-template");
    document.getElementById("source-rows").appendChild(row);
    sourceTargets(row);
    row.querySelector("select").focus();
  });
  tieAdd.addEventListener("click", () => {
    const option = tieChoice.selectedOptions[0];
    if (!option || option.disabled) return;
    const item = cloneTemplate("tie-break-template");
    item.dataset.tieBreak = option.value;
    item.querySelector("input[name=tie_breaks]").value = option.value;
    item.querySelector("[data-tie-break-label]").textContent = option.textContent;
    tieList.appendChild(item);
    refresh();
  });

  form.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    const row = button.closest("[data-tier-row], [data-tie-break], [data-source-row]");
    if (button.hasAttribute("data-remove-row") && row) {
      row.remove();
      refresh();
    } else if (button.dataset.move && row) {
      const sibling = button.dataset.move === "-1" ? row.previousElementSibling : row.nextElementSibling;
      if (sibling) row.parentNode.insertBefore(row, button.dataset.move === "-1" ? sibling : sibling.nextElementSibling);
      refresh();
      button.focus();
    }
  });
  form.addEventListener("change", (event) => {
    if (event.target.matches("[data-source-kind]")) sourceTargets(event.target.closest("[data-source-row]"));
    refresh();
  });
  form.addEventListener("input", (event) => {
    if (event.target.matches("[data-weight]")) weightSum();
    if (event.target === groupLevel) groupQuotas();
  });

  if (window.Sortable) {
    [tierList, tieList].forEach((list) => {
      window.Sortable.create(list, { handle: ".qs-handle", animation: 150, ghostClass: "qs-sortable-ghost", onEnd: refresh });
    });
  }

  // The preview: the whole unsaved form posted with action=preview; only the fragment comes back.
  const preview = document.getElementById("rule-preview");
  document.getElementById("preview-button").addEventListener("click", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    data.set("action", "preview");
    preview.textContent = preview.dataset.loading;
    preview.setAttribute("aria-busy", "true");
    try {
      // form.getAttribute: the buttons named "action" shadow form.action.
      const response = await fetch(form.getAttribute("action"), {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-Fragment": "preview", "X-CSRFToken": data.get("csrfmiddlewaretoken") },
      });
      if (!response.ok) throw new Error(String(response.status));
      preview.innerHTML = await response.text();
    } catch (error) {
      preview.textContent = preview.dataset.failed;
    } finally {
      preview.removeAttribute("aria-busy");
    }
  });

  // Four eyes: say at once when "a second administrator approves" is ticked where no one else
  // holds the rule's unit and every unit covered (data-approvers: per unit, the others holding it,
  // numbered). On a new rule the box follows the units until it is touched.
  const approverWarning = document.getElementById("no-second-approver");
  const secondApprover = document.getElementById("id_requires_second_approver");
  const unitSelect = document.getElementById("id_unit");
  const scopeSelect = document.getElementById("id_scope");
  if (approverWarning && secondApprover && unitSelect) {
    const approvers = JSON.parse(approverWarning.dataset.approvers || "{}");
    const alone = () => {
      const scope = scopeSelect ? Array.from(scopeSelect.selectedOptions, (option) => option.value) : [];
      const held = [unitSelect.value, ...scope].filter(Boolean).map((pk) => approvers[pk] || []);
      return held.length > 0 && !held[0].some((someone) => held.every((others) => others.includes(someone)));
    };
    let touched = form.dataset.newRule !== "1";
    const warn = () => approverWarning.classList.toggle("d-none", !(secondApprover.checked && alone()));
    const follow = () => {
      if (!touched) secondApprover.checked = !alone();
      warn();
    };
    secondApprover.addEventListener("change", () => { touched = true; warn(); });
    unitSelect.addEventListener("change", follow);
    if (scopeSelect) scopeSelect.addEventListener("change", follow);
  }

  form.querySelectorAll("[data-source-row]").forEach(sourceTargets);
  refresh();
})();
