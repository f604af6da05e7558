// Every unit list an organiser chooses from (select[data-unit-picker], `orgs.forms.unit_picker_attrs`):
// Tom Select over the plain select, which is what a browser without JavaScript gets. Each unit
// shows as its full path, so that one 第一党支部 is told from another, and typing searches the
// path shown and every name on it as typed, in English and in pinyin, in full or by initials
// (diyidangzhibu, "di yi", dydzb: the list's data-unit-search, `orgs.forms.unit_picker_attrs`).
// base.html loads this on every page; it fetches Tom Select only for a page with such a list (a
// page that loads Tom Select itself, for another picker, keeps its copy).
(function () {
  "use strict";
  const selects = document.querySelectorAll("select[data-unit-picker]");
  if (!selects.length) return;
  const here = document.currentScript;

  // A unit's path, its own name stressed: "审计署/广州特派办/" then "第一党支部".
  function path(text, escape) {
    const cut = text.lastIndexOf("/") + 1;
    return `<span class="qs-unit-path">${escape(text.slice(0, cut))}</span><span class="qs-unit-name">${escape(text.slice(cut))}</span>`;
  }

  function start() {
    selects.forEach((select) => {
      if (select.tomselect) return;
      // Each option's words to search, as its data-search (Tom Select reads an option's data-*).
      const words = JSON.parse(select.dataset.unitSearch || "{}");
      Array.from(select.options).forEach((option) => {
        if (words[option.value]) option.dataset.search = words[option.value];
      });
      const settings = {
        hideSelected: select.multiple,
        maxOptions: 200,
        placeholder: select.dataset.placeholder,
        searchField: ["text", "search"],
        // Matches in the tree's order, as the plain list: a unit's search words grow with its path
        // and English names, so their score would order them by the length of those.
        sortField: [{ field: "$order" }, { field: "$score" }],
        // Searched at once: a search left pending would reopen the list after a pick closed it.
        refreshThrottle: 0,
        render: {
          option: (data, escape) => `<div>${path(data.text, escape)}</div>`,
          no_results: (_data, escape) => `<div class="no-results">${escape(select.dataset.noResults)}</div>`,
        },
      };
      // One line for the unit chosen, whose own name always shows: a box that grew a line when
      // it lost focus moved the button beside it under the pointer, and that click was lost.
      if (!select.multiple) {
        settings.render.item = (data, escape) =>
          `<div class="qs-unit-item" title="${escape(data.text)}">${path(data.text, escape)}</div>`;
      }
      if (select.multiple) settings.plugins = { remove_button: { title: select.dataset.removeTitle } };
      // eslint-disable-next-line no-undef
      const picker = new TomSelect(select, settings);
      // The box typed into stands for the select: it is read with the field's help and error.
      const described = select.getAttribute("aria-describedby");
      if (described) picker.control_input.setAttribute("aria-describedby", described);
      // The plain select stays in the page, out of sight and out of the Tab order, for the form:
      // a screen reader meets only the picker, which its label names.
      select.setAttribute("aria-hidden", "true");
    });
  }

  if (window.TomSelect) {
    start();
    return;
  }
  const style = document.createElement("link");
  style.rel = "stylesheet";
  style.href = here.dataset.css;
  document.head.appendChild(style);
  const script = document.createElement("script");
  script.src = here.dataset.js;
  script.addEventListener("load", start);
  document.head.appendChild(script);
})();
