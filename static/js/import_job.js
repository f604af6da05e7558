// A question import's progress, polled until it is done or failed.
(function () {
  "use strict";
  const status = document.getElementById("job-status"), bar = document.getElementById("job-progress"), result = document.getElementById("job-result");
  async function poll() {
    const job = await (await fetch(status.dataset.url, {credentials: "same-origin"})).json();
    bar.style.width = job.percent + "%"; bar.textContent = job.percent + "%";
    status.textContent = {pending: status.dataset.waiting, running: status.dataset.running, done: status.dataset.done, failed: status.dataset.failed}[job.status];
    if (job.result) {
      const pre = document.createElement("pre"); pre.className = "small bg-light p-2 rounded"; pre.id = "job-summary";
      pre.textContent = JSON.stringify(job.result, null, 1); result.replaceChildren(pre);
    }
    if (job.status === "pending" || job.status === "running") setTimeout(poll, 700);
  }
  poll();
})();
