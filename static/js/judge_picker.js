// The judges' picker on a call's panel form, the judge and entries pickers of a conflict, and
// the contest builder's "Add a member…" of each team: Tom Select over a plain select, which is
// what a browser without JavaScript gets. Each option
// carries the account's name, unit, employee number, user name, phone and the name's pinyin in
// full and by initials (zhangsan, zs: `orgs.name_search`), or the entry's title, unit and authors
// (its data-data), and typing searches them all, as the server's searches do. When the page
// lists only the panel's own judges (an organiser who reaches thousands of members), the
// picker asks the call's judge-candidates address for the rest as the organiser types.
(function () {
  "use strict";
  document.querySelectorAll("select[data-judge-picker]").forEach((select) => {
    const searchUrl = select.dataset.searchUrl;
    const settings = {
      plugins: { remove_button: { title: select.dataset.removeTitle } },
      dataAttr: "data", // the option's data-data, read from its dataset
      valueField: "id",
      labelField: "name",
      searchField: ["name", "unit", "employee_no", "username", "phone", "pinyin", "initials", "detail"],
      placeholder: select.dataset.placeholder,
      hideSelected: true,
      // Searched at once: a search left pending would reopen the list after a pick closed it.
      refreshThrottle: 0,
      maxOptions: 50,
      render: {
        option: (data, escape) =>
          `<div class="judge-option"><span class="judge-name">${escape(data.name)}</span>` +
          `<span class="judge-no">${escape(data.detail || data.employee_no || data.username)}</span>` +
          `<div class="judge-unit">${escape(data.unit)}</div></div>`,
        item: (data, escape) => `<div title="${escape(data.unit)}">${escape(data.name)}</div>`,
        no_results: (_data, escape) => `<div class="no-results">${escape(select.dataset.noResults)}</div>`,
      },
    };
    if (searchUrl) {
      settings.shouldLoad = (query) => query.trim().length > 0;
      settings.load = (query, callback) => {
        fetch(`${searchUrl}?q=${encodeURIComponent(query)}`, {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        })
          .then((response) => (response.ok ? response.json() : { results: [] }))
          .then((body) => callback(body.results))
          .catch(() => callback());
      };
    }
    // eslint-disable-next-line no-undef
    const picker = new TomSelect(select, settings);
    // The box typed into stands for the select: it is read with the field's help and error.
    const described = select.getAttribute("aria-describedby");
    if (described) picker.control_input.setAttribute("aria-describedby", described);
    // The plain select stays in the page, out of sight and out of the Tab order, for the form:
    // a screen reader meets only the picker, which its label names.
    select.setAttribute("aria-hidden", "true");
  });
})();
