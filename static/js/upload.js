// Resumable upload in 4 MB chunks: the server says how many bytes it has, we send the rest; a
// dropped connection resumes from there. Then the processing bar follows the Celery task.
(function () {
  "use strict";
  const box = document.getElementById("uploader");
  const texts = document.getElementById("upload-texts").dataset;
  const input = document.getElementById("video-file");
  const button = document.getElementById("upload-button");
  const uploadBar = document.getElementById("upload-progress");
  const processBar = document.getElementById("process-progress");
  const message = document.getElementById("upload-message");
  const replace = document.getElementById("replace-input");
  const next = document.getElementById("upload-next"); // preview and settings: only once the video is ready
  const CHUNK = 4 * 1024 * 1024;

  function csrfToken() {
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function setBar(element, percent) { element.style.width = percent + "%"; element.textContent = percent + "%"; }
  function say(text, kind) { message.textContent = text; message.className = "small " + (kind || ""); }
  const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  async function send(file) {
    const started = await fetch(box.dataset.start, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken()},
      // A submitted entry's file is replaced only once its author ticks the box saying so.
      body: JSON.stringify({filename: file.name, size: file.size, replace: Boolean(replace && replace.checked)}),
    });
    const upload = await started.json();
    if (!started.ok) { say(upload.error.message, "text-danger"); button.disabled = false; return; }
    let received = upload.received;
    while (received < file.size) {
      const end = Math.min(received + CHUNK, file.size);
      try {
        const response = await fetch(upload.chunk_url, {
          method: "PUT", credentials: "same-origin",
          headers: {"Content-Range": `bytes ${received}-${end - 1}/${file.size}`, "X-CSRFToken": csrfToken()},
          body: file.slice(received, end),
        });
        const body = await response.json();
        received = response.ok ? body.received : (body.received ?? received);
        if (!response.ok && body.error.code !== "wrong_offset") {
          // Refused (not a video, too long...): say why and let another file be chosen.
          say(body.error.message, "text-danger");
          setBar(uploadBar, 0);
          button.disabled = false;
          return;
        }
      } catch (error) {
        say(texts.resuming, "text-warning-emphasis");
        await wait(2000);
        const asked = await fetch(upload.chunk_url, {credentials: "same-origin"}).then((r) => r.json()).catch(() => null);
        if (asked) received = asked.received;
        continue;
      }
      setBar(uploadBar, Math.floor((100 * received) / file.size));
    }
    // The file is all here: the bar's label no longer says it is on its way.
    const label = document.getElementById("upload-label");
    if (label && texts.uploaded) label.textContent = texts.uploaded;
    say(texts.processing);
    // A page without a processing bar (a call's video entry) shows its own state once reloaded.
    if (!box.dataset.status) { window.location.assign(box.dataset.done || window.location.href); return; }
    follow();
  }

  async function follow() {
    const lesson = await (await fetch(box.dataset.status, {credentials: "same-origin"})).json();
    setBar(processBar, lesson.progress);
    processBar.classList.remove("bg-warning", "bg-success", "bg-danger");
    processBar.classList.add(lesson.status === "ready" ? "bg-success" : lesson.status === "failed" ? "bg-danger" : "bg-warning");
    // Queued long and no worker took it: say so (and hide it again once one does).
    const missing = document.getElementById("worker-missing");
    if (missing) missing.hidden = !lesson.worker_missing;
    if (lesson.status === "ready") {
      say(texts.ready, "text-success");
      if (next) next.hidden = false;
      return;
    }
    if (lesson.status === "failed") { say(lesson.failure_message || texts.failed, "text-danger"); button.disabled = false; return; }
    setTimeout(follow, 1000);
  }

  button.addEventListener("click", () => {
    const file = input.files[0];
    if (!file) { say(texts.choose, "text-danger"); input.focus(); return; }
    if (file.size === 0) { say(texts.empty, "text-danger"); return; }
    if (file.size > Number(box.dataset.max)) { say(texts.tooLarge, "text-danger"); return; }
    button.disabled = true;
    if (next) next.hidden = true; // the new video is not ready (and may be refused)
    uploadBar.parentElement.hidden = false; // a call's entry shows its bar only from here
    const shownStatus = document.getElementById("process-status"); // the current video's: stale from here on
    if (shownStatus) shownStatus.remove();
    send(file);
  });
})();
