// The paper builder: settings shown for the chosen mode, a question picker with filters, picked
// questions reordered or removed, and draw rules (added and removed by static/js/formset_rows.js)
// with a live count of the questions they match.
(function () {
  "use strict";
  const form = document.getElementById("paper-builder");
  if (!form) return;
  const texts = document.getElementById("builder-texts").dataset;
  const picker = document.getElementById("picker");
  const pickedList = document.getElementById("picked-list");
  const results = document.getElementById("pick-results");
  const ruleList = document.getElementById("rule-list");

  function showMode() {
    const mode = document.getElementById("id_mode").value;
    form.querySelectorAll(".qs-for-mode").forEach((field) => {
      field.classList.toggle("d-none", !field.dataset.modes.split(" ").includes(mode));
    });
  }
  function pickedIds() {
    return Array.from(pickedList.querySelectorAll("input[name=question]")).map((input) => input.value);
  }
  function countPicked() {
    document.getElementById("picked-count").textContent = pickedIds().length;
  }
  function addPicked(question) {
    if (pickedIds().includes(String(question.id))) return;
    const row = document.getElementById("picked-template").content.firstElementChild.cloneNode(true);
    row.dataset.id = question.id;
    row.querySelector("input[name=question]").value = question.id;
    row.querySelector(".qs-picked-type").textContent = question.type_label;
    row.querySelector(".qs-picked-stem").textContent = question.stem;
    const points = row.querySelector(".qs-points");
    points.name = "points_" + question.id;
    points.placeholder = document.getElementById("id_points_" + question.type).value;
    pickedList.appendChild(row);
    countPicked();
    countRules();
  }

  let searchTimer = null, searchSerial = 0;
  async function search() {
    const params = new URLSearchParams({
      q: document.getElementById("pick-q").value,
      bank: document.getElementById("pick-bank").value,
      type: document.getElementById("pick-type").value,
      difficulty: document.getElementById("pick-difficulty").value,
      tag: document.getElementById("pick-tag").value,
      unused: document.getElementById("pick-unused").checked ? "1" : "",
    });
    const serial = ++searchSerial;
    const response = await fetch(picker.dataset.url + "?" + params, {credentials: "same-origin"});
    if (!response.ok || serial !== searchSerial) return;
    const found = await response.json();
    document.getElementById("pick-total").textContent = found.total === 1 ? texts.totalOne : texts.total.replace("__N__", found.total);
    const chosen = pickedIds();
    results.replaceChildren(...found.questions.map((question) => {
      const row = document.createElement("div");
      row.className = "list-group-item d-flex gap-2 align-items-center small qs-candidate";
      const body = document.createElement("div");
      body.className = "flex-grow-1";
      const badge = document.createElement("span");
      badge.className = "badge text-bg-light me-1";
      badge.textContent = question.type_label;
      const meta = document.createElement("div");
      meta.className = "qs-muted";
      // A blank is no answer: it is counted apart, and the share right is of the answers only.
      const times = (n, one, many) => (n === 1 ? one : n ? many.replace("__N__", n) : "");
      meta.textContent = [question.bank, question.difficulty_label, question.tags_text,
        question.times_answered || question.times_blank ? "" : texts.never,
        times(question.times_answered, texts.answeredOne, texts.answered),
        times(question.times_blank, texts.blankOne, texts.blank),
        question.right_percent === null ? "" : texts.right.replace("__N__", question.right_percent)].filter(Boolean).join(" · ");
      body.append(badge, document.createTextNode(question.stem), meta);
      const add = document.createElement("button");
      add.type = "button";
      add.className = "btn btn-sm btn-outline-primary text-nowrap flex-shrink-0 qs-add-candidate";
      const already = chosen.includes(String(question.id));
      add.textContent = already ? texts.added : texts.add;
      add.disabled = already;
      add.addEventListener("click", () => { addPicked(question); add.textContent = texts.added; add.disabled = true; });
      row.append(body, add);
      return row;
    }));
  }
  function searchSoon() { clearTimeout(searchTimer); searchTimer = setTimeout(search, 250); }

  // Every rule's count at once: a rule draws from what the picked questions and the rules above
  // it leave, so adding a question or changing one rule changes the others' counts too.
  let countSerial = 0;
  async function countRules() {
    const rules = Array.from(ruleList.querySelectorAll(".qs-rule"));
    if (!rules.length) return;
    const params = new URLSearchParams();
    pickedIds().forEach((id) => params.append("question", id));
    rules.forEach((rule) => {
      ["bank", "type", "tag", "difficulty", "count"].forEach((name) => {
        params.append("rule_" + name, rule.querySelector("[name=rule_" + name + "]").value);
      });
    });
    const serial = ++countSerial;
    const response = await fetch(ruleList.dataset.url + "?" + params, {credentials: "same-origin"});
    if (!response.ok || serial !== countSerial) return;
    const counts = (await response.json()).rules;
    rules.forEach((rule, index) => {
      const room = counts[index];
      if (!room) return;
      const wanted = Number(rule.querySelector("[name=rule_count]").value || 0);
      const label = rule.querySelector(".qs-rule-count");
      label.textContent = room.available === room.matching ? texts.match.replace("__N__", room.matching)
        : texts.left.replace("__A__", room.available).replace("__M__", room.matching);
      label.classList.toggle("text-danger", room.available < wanted);
      label.classList.toggle("text-success", room.available >= wanted);
    });
  }

  picker.addEventListener("input", searchSoon);
  picker.addEventListener("change", searchSoon);
  ruleList.addEventListener("input", countRules);
  ruleList.addEventListener("change", countRules);
  // A rule added or removed (static/js/formset_rows.js).
  ruleList.addEventListener("qs:rows-changed", countRules);
  document.getElementById("id_mode").addEventListener("change", showMode);
  form.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    if (button.classList.contains("qs-remove") && button.closest(".qs-picked")) {
      button.closest(".qs-picked").remove();
      countPicked();
      countRules();
      searchSoon();
    } else if (button.classList.contains("qs-move-up")) {
      const row = button.closest(".qs-picked");
      if (row.previousElementSibling) pickedList.insertBefore(row, row.previousElementSibling);
    }
  });
  countRules();
  showMode();
  search();
})();
