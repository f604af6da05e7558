// A question import's progress, polled until it is done, failed or stalled (its worker died); the
// page then reloads to show the result, or the way to run it again, in words written by the server.
(function () {
  "use strict";
  const status = document.getElementById("job-status"), bar = document.getElementById("job-progress");
  const unfinished = (state) => state === "pending" || state === "running";
  if (!unfinished(status.dataset.status)) return;
  async function poll() {
    const job = await (await fetch(status.dataset.url, {credentials: "same-origin"})).json();
    bar.style.width = job.percent + "%"; bar.textContent = job.percent + "%";
    if (!unfinished(job.status) || job.stalled) { window.location.reload(); return; }
    const missing = document.getElementById("worker-missing");
    if (missing) missing.hidden = !job.worker_missing;
    status.textContent = job.total
      ? status.dataset.rows.replace("__DONE__", job.processed).replace("__TOTAL__", job.total)
      : {pending: status.dataset.waiting, running: status.dataset.running}[job.status];
    setTimeout(poll, 700);
  }
  poll();
})();
