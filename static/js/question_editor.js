// The question editor: show the fields of the chosen type, add/remove/reorder options (the ticked
// key moves with its option), one row per blank with alternatives, and knowledge-point chips.
(function () {
  "use strict";
  const form = document.getElementById("question-editor");
  if (!form) return;
  const texts = document.getElementById("editor-texts").dataset;
  const LETTERS = "ABCDEFGH";
  const optionList = document.getElementById("option-list");
  const blankList = document.getElementById("blank-list");

  function currentType() {
    const checked = form.querySelector("input[name=type]:checked");
    return checked ? checked.value : "";
  }
  function showType() {
    const type = currentType();
    form.querySelectorAll(".qs-for-type").forEach((section) => {
      section.classList.toggle("d-none", !section.dataset.types.split(" ").includes(type));
    });
    if (type === "single") keepOneTicked(null);
  }
  function keepOneTicked(except) {
    const boxes = optionList.querySelectorAll(".qs-key-box:checked");
    boxes.forEach((box, index) => {
      if (except ? box !== except : index > 0) box.checked = false;
    });
  }
  function renumberOptions() {
    const rows = optionList.querySelectorAll(".qs-option-row");
    rows.forEach((row, index) => {
      row.querySelector(".qs-key-box").value = String(index);
      row.querySelector(".qs-letter").textContent = LETTERS[index] || "?";
    });
    document.getElementById("add-option").disabled = rows.length >= Number(texts.maxOptions);
  }
  function renumberBlanks() {
    blankList.querySelectorAll(".qs-blank-row").forEach((row, index) => {
      row.querySelector(".qs-blank-label").textContent = texts.blank.replace("__N__", String(index + 1));
      row.querySelectorAll(".qs-alternative").forEach((input) => { input.name = "blank" + index; });
    });
  }
  function addTag(name) {
    name = name.trim();
    const chips = document.getElementById("tag-chips");
    const existing = Array.from(chips.querySelectorAll("input[name=tag]")).map((input) => input.value);
    if (!name || existing.includes(name)) return;
    const chip = document.getElementById("tag-template").content.firstElementChild.cloneNode(true);
    chip.querySelector("input").value = name;
    chip.insertBefore(document.createTextNode(name), chip.firstChild);
    chips.appendChild(chip);
  }

  form.addEventListener("change", (event) => {
    if (event.target.name === "type") showType();
    if (event.target.classList.contains("qs-key-box") && event.target.checked && currentType() === "single") {
      keepOneTicked(event.target);
    }
  });
  form.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    const row = button.closest(".qs-option-row");
    if (button.classList.contains("qs-move-up") && row.previousElementSibling) {
      row.parentNode.insertBefore(row, row.previousElementSibling);
      renumberOptions();
    } else if (button.classList.contains("qs-move-down") && row.nextElementSibling) {
      row.parentNode.insertBefore(row.nextElementSibling, row);
      renumberOptions();
    } else if (button.classList.contains("qs-remove")) {
      row.remove();
      renumberOptions();
    } else if (button.id === "add-option") {
      const fresh = document.getElementById("option-template").content.firstElementChild.cloneNode(true);
      optionList.appendChild(fresh);
      renumberOptions();
      fresh.querySelector("input[name=option]").focus();
    } else if (button.id === "add-blank") {
      blankList.appendChild(document.getElementById("blank-template").content.firstElementChild.cloneNode(true));
      renumberBlanks();
    } else if (button.classList.contains("qs-remove-blank")) {
      if (blankList.querySelectorAll(".qs-blank-row").length > 1) button.closest(".qs-blank-row").remove();
      renumberBlanks();
    } else if (button.classList.contains("qs-add-alternative")) {
      const input = document.createElement("input");
      input.className = "form-control form-control-sm qs-alternative";
      input.type = "text";
      input.maxLength = 200;
      button.parentNode.insertBefore(input, button);
      renumberBlanks();
      input.focus();
    } else if (button.id === "tag-add") {
      const input = document.getElementById("tag-new");
      input.value.split(/[;；，]/).forEach(addTag);
      input.value = "";
    } else if (button.classList.contains("qs-tag-remove")) {
      button.closest(".qs-tag-chip").remove();
    }
  });
  document.getElementById("tag-new").addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      document.getElementById("tag-add").click();
    }
  });
  renumberOptions();
  renumberBlanks();
  showType();
})();
