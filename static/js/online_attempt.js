// Taking an online contest: one question per screen with an answer sheet; every change is
// autosaved; the countdown shows the server's deadline, corrected by the offset between the
// server's clock (sent with the page) and this device's. Leaving the page and pasting are
// reported to the organisers. If another device takes the attempt over, this page freezes.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("attempt-data").textContent);
  const text = document.getElementById("attempt-messages").dataset;
  const status = document.getElementById("attempt-status");
  const submitForm = document.getElementById("submit-form");
  const clockOffset = Date.parse(data.server_time) - Date.now();
  const saveBase = text.saveUrl.replace(/0\/$/, "");
  const cards = Array.from(document.querySelectorAll(".qs-question"));
  const cells = Array.from(document.querySelectorAll(".qs-sheet-cell"));
  const placeKey = "online-attempt-" + data.id;
  let frozen = false;

  function csrfToken() {
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  async function send(method, url, body) {
    const response = await fetch(url, {
      method: method,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      credentials: "same-origin",
      body: JSON.stringify(body),
    });
    const payload = await response.json().catch(() => ({}));
    return { ok: response.ok, status: response.status, payload: payload };
  }

  function freeze() {
    frozen = true;
    document.getElementById("frozen").classList.remove("d-none");
    document.querySelectorAll("#questions input, #submit-button").forEach((input) => { input.disabled = true; });
    window.scrollTo(0, 0);
  }

  // ---- one question per screen
  let current = 0;
  function show(index) {
    current = Math.max(0, Math.min(cards.length - 1, index));
    cards.forEach((card, i) => card.classList.toggle("is-current", i === current));
    cells.forEach((cell, i) => cell.classList.toggle("is-current", i === current));
    document.getElementById("prev-button").disabled = current === 0;
    document.getElementById("next-button").disabled = current === cards.length - 1;
    sessionStorage.setItem(placeKey, String(current));
  }
  document.getElementById("questions").classList.add("is-paged");
  document.getElementById("prev-button").addEventListener("click", () => show(current - 1));
  document.getElementById("next-button").addEventListener("click", () => show(current + 1));
  cells.forEach((cell, i) => cell.addEventListener("click", () => show(i)));
  show(Number(sessionStorage.getItem(placeKey) || 0));

  // ---- autosave
  function responseOf(card) {
    const inputs = Array.from(card.querySelectorAll("input[name='q" + card.dataset.position + "']"));
    if (card.dataset.type === "fill_blank") return inputs.map((input) => input.value);
    const picked = inputs.filter((input) => input.checked).map((input) => input.value);
    return card.dataset.type === "multiple" ? picked : picked[0] || "";
  }

  function isEmpty(response) {
    return Array.isArray(response) ? response.every((part) => !String(part).trim()) : !response;
  }

  const pending = new Map(); // card -> debounce timer
  const inFlight = new Set();

  function save(card) {
    pending.delete(card);
    if (frozen) return Promise.resolve();
    const response = responseOf(card);
    const request = send("PUT", saveBase + card.dataset.position + "/", { response: response })
      .then((result) => {
        if (result.ok) {
          status.textContent = text.saved + " · " + new Date().toLocaleTimeString();
          cells[cards.indexOf(card)].classList.toggle("is-answered", !isEmpty(response));
        } else if (result.payload.code === "taken_over") freeze();
        else if (result.payload.code === "deadline_passed" || result.payload.code === "attempt_finished") submitNow();
        else status.textContent = result.payload.detail || text.offline;
      })
      .catch(() => {
        status.textContent = text.offline;
        pending.set(card, setTimeout(() => save(card), 3000));
      })
      .finally(() => inFlight.delete(request));
    inFlight.add(request);
    return request;
  }

  async function flushSaves() {
    for (const [card, timer] of Array.from(pending)) {
      clearTimeout(timer);
      save(card);
    }
    await Promise.all(Array.from(inFlight));
  }

  async function submitNow() {
    await flushSaves();
    if (frozen) return;
    submitForm.dataset.auto = "1";
    submitForm.submit();
  }

  cards.forEach((card) => {
    card.addEventListener("input", () => {
      clearTimeout(pending.get(card));
      status.textContent = text.saving;
      pending.set(card, setTimeout(() => save(card), card.dataset.type === "fill_blank" ? 600 : 0));
    });
    card.addEventListener("paste", () => report("paste", Number(card.dataset.position)));
  });
  submitForm.addEventListener("submit", (event) => {
    if (submitForm.dataset.auto) return;
    event.preventDefault();
    if (!frozen && window.confirm(text.confirm)) submitNow();
  });

  // ---- fair play: recorded for organisers to look at, not punished
  function report(kind, position) {
    if (frozen) return;
    send("POST", text.eventUrl, { kind: kind, position: position }).then((result) => {
      if (result.payload.code === "taken_over") freeze();
    }).catch(() => {});
  }
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") report("focus_lost", Number(cards[current].dataset.position));
  });

  // ---- countdown to the server's deadline
  const countdown = document.getElementById("countdown");
  if (data.deadline_at) {
    const deadline = Date.parse(data.deadline_at);
    const tick = () => {
      const left = Math.max(0, deadline - (Date.now() + clockOffset));
      const seconds = Math.ceil(left / 1000);
      const hours = Math.floor(seconds / 3600);
      const clock = String(Math.floor((seconds % 3600) / 60)).padStart(2, "0") + ":" + String(seconds % 60).padStart(2, "0");
      countdown.textContent = (hours ? hours + ":" : "") + clock;
      countdown.classList.toggle("is-urgent", seconds <= 30);
      if (left <= 0) {
        clearInterval(interval);
        status.textContent = text.timeup;
        submitNow();
      }
    };
    const interval = setInterval(tick, 250);
    tick();
  } else {
    countdown.remove();
  }
})();
