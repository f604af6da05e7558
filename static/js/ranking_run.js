// A ranking run's progress while it is queued or running; the page reloads when it ends.
(function () {
  "use strict";
  const card = document.getElementById("run-card");
  if (!card || card.dataset.active !== "1") return;
  const bar = document.getElementById("run-progress"), status = document.getElementById("run-status"), outcome = document.getElementById("run-outcome");
  async function poll() {
    const run = await (await fetch(card.dataset.url, {credentials: "same-origin"})).json();
    bar.style.width = run.progress + "%"; bar.textContent = run.progress + "%";
    status.textContent = status.dataset[run.status] || run.status; outcome.textContent = run.stage;
    const missing = document.getElementById("worker-missing");
    if (missing) missing.hidden = !run.worker_missing;
    if (run.status === "queued" || run.status === "running") setTimeout(poll, 700); else window.location.reload();
  }
  setTimeout(poll, 500);
})();
