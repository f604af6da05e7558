// The lobby's big screen of an online contest: the participation race by unit, polled every few
// seconds (a read-only page; a missed poll keeps the last figures and tries again).
(function () {
  "use strict";
  const root = document.getElementById("race");
  const texts = document.getElementById("race-texts").dataset;
  const list = document.getElementById("race-rows");
  const $ = (id) => document.getElementById(id);

  function cell(className, text) {
    const span = document.createElement("span");
    span.className = className;
    if (text !== undefined) span.textContent = text;
    return span;
  }

  function render(data) {
    const rows = data.rows.slice(0, 24);
    list.classList.toggle("is-two-columns", data.rows.length > 8);
    list.replaceChildren(...rows.map((row, index) => {
      const item = document.createElement("li");
      const bar = cell("qs-race-bar");
      const started = cell("qs-race-started");
      const finished = cell("qs-race-finished");
      started.style.width = row.started_rate + "%";
      finished.style.width = row.rate + "%";
      bar.append(started, finished);
      // English says "1 person" and "2 people"; the page gives both forms (Chinese has one).
      const counts = (row.headcount === 1 ? texts.countsOne : texts.counts).replace("%(f)s", row.finished).replace("%(s)s", row.started).replace("%(h)s", row.headcount);
      item.append(cell("qs-race-rank", String(index + 1)), cell("qs-race-unit", row.unit), bar,
        cell("qs-race-rate", row.rate + "%"), cell("qs-race-counts", counts));
      return item;
    }));
    $("total-rate").textContent = data.totals.rate + "%";
    $("total-finished").textContent = data.totals.finished;
    $("total-started").textContent = data.totals.started;
    $("total-headcount").textContent = data.totals.headcount;
    $("updated").textContent = siteTime(new Date(data.server_time));
  }

  async function poll() {
    try {
      const response = await fetch(root.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (response.ok) render(await response.json());
    } catch (error) {
      // keep the last figures on screen; the next poll tries again
    }
  }
  setInterval(poll, Number(root.dataset.refreshS || 5) * 1000);
})();
