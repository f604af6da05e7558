// Taking an online contest: one question per screen with an answer sheet; every change is
// autosaved; the countdown shows the server's deadline, corrected by the offset between the
// server's clock (sent with the page) and this device's. Switching away from the page (not a
// reload or Back) and pasting are reported to the organisers. If another device takes the attempt over, this page freezes.
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

  async function send(method, url, body, keepalive) {
    const response = await fetch(url, {
      method: method,
      keepalive: Boolean(keepalive), // a report sent as the page goes to the background still arrives
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      credentials: "same-origin",
      body: JSON.stringify(body),
    });
    const payload = await response.json().catch(() => ({}));
    // A refusal reads {"error": {"code", "message", "field"}}, its message in the member's language.
    const error = payload.error || { code: "", message: text.offline };
    return { ok: response.ok, status: response.status, payload: payload, error: error };
  }

  // The attempt ended elsewhere (submitted in another tab, its time ran out, the contest closed,
  // a page kept from before): say how, in the bar, with the way to the result, and offer nothing
  // more to answer or submit.
  function ended(message) {
    frozen = true;
    const link = document.createElement("a");
    link.href = text.resultUrl;
    link.id = "ended-result-link";
    link.textContent = text.seeResult;
    status.replaceChildren(message + " ", link);
    status.classList.add("text-danger");
    document.querySelectorAll("#questions input").forEach((input) => { input.disabled = true; });
    submitForm.hidden = true;
    document.getElementById("countdown").remove(); // no time is left to count
  }

  // A page the browser brings back from its back-forward cache is the attempt as it was: ask the
  // server again, which shows an ended attempt as ended.
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) window.location.reload();
  });

  function freeze() {
    frozen = true;
    document.getElementById("frozen").classList.remove("d-none");
    document.querySelectorAll("#questions input, #submit-button").forEach((input) => { input.disabled = true; });
    window.scrollTo(0, 0);
  }

  // ---- a time per question (when the contest sets one): a question's clock starts on the
  // server when it is first shown; when it runs out its answer is locked and the page moves on.
  const questionTime = Number(text.questionTime || 0);
  const openBase = text.openUrl.replace(/0\/open\/$/, "");
  const questionClock = document.getElementById("question-clock");
  const itemDeadlines = new Map(); // position -> deadline in ms (server clock)
  data.items.forEach((item) => { if (item.deadline_at) itemDeadlines.set(item.position, Date.parse(item.deadline_at)); });

  function timedOut(card) {
    const deadline = itemDeadlines.get(Number(card.dataset.position));
    return deadline !== undefined && Date.now() + clockOffset >= deadline;
  }

  function lockCard(card) {
    card.classList.add("is-timed-out");
    card.querySelectorAll("input").forEach((input) => { input.disabled = true; });
    cells[cards.indexOf(card)].classList.add("is-timed-out");
  }

  function openCard(card) {
    const position = Number(card.dataset.position);
    if (!questionTime || frozen || itemDeadlines.has(position)) return;
    send("POST", openBase + position + "/open/", {}).then((result) => {
      if (result.ok && result.payload.deadline_at) itemDeadlines.set(position, Date.parse(result.payload.deadline_at));
      else if (result.error.code === "taken_over") freeze();
    }).catch(() => {});
  }

  // ---- one question per screen
  let current = 0;
  function show(index) {
    current = Math.max(0, Math.min(cards.length - 1, index));
    openCard(cards[current]);
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
  const { responseOf, isEmpty } = window.qsAnswers;
  const confirmText = () => window.qsAnswers.confirmText(text);

  // A question has one save on its way at a time: two could reach the server in either order,
  // and the older answer arriving last would replace the newer one. A change made while a save
  // is on its way is sent when that save returns.
  const pending = new Map(); // card -> debounce timer
  const inFlight = new Map(); // card -> its save on the way
  const changedSince = new Set(); // cards changed while their save was on the way

  function save(card) {
    pending.delete(card);
    if (frozen) return Promise.resolve();
    if (inFlight.has(card)) {
      changedSince.add(card);
      return inFlight.get(card);
    }
    const response = responseOf(card);
    const request = send("PUT", saveBase + card.dataset.position + "/", { response: response })
      .then((result) => {
        if (result.ok) {
          if (!changedSince.has(card)) {
            status.textContent = text.saved + " · " + siteTime(new Date());
          }
          cells[cards.indexOf(card)].classList.toggle("is-answered", !isEmpty(response));
        } else if (result.error.code === "taken_over") freeze();
        else if (result.error.code === "question_time_up") {
          changedSince.delete(card);
          lockCard(card);
          status.textContent = result.error.message;
        }
        else if (result.error.code === "deadline_passed" || result.error.code === "attempt_finished") {
          changedSince.delete(card);
          ended(result.error.message);
        }
        else status.textContent = result.error.message;
      })
      .catch(() => {
        status.textContent = text.offline;
        changedSince.delete(card); // the retry sends the answer as it stands then
        pending.set(card, setTimeout(() => save(card), 3000));
      })
      .finally(() => {
        inFlight.delete(card);
        if (changedSince.delete(card)) save(card);
      });
    inFlight.set(card, request);
    return request;
  }

  async function flushSaves() {
    for (const [card, timer] of Array.from(pending)) {
      clearTimeout(timer);
      save(card);
    }
    // A save returning sends its question's newer answer, if any: wait for that one too.
    while (inFlight.size) await Promise.all(Array.from(inFlight.values()));
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
    if (frozen) return;
    asking = true;
    const confirmed = window.confirm(confirmText());
    asking = false;
    if (confirmed) submitNow();
  });

  // ---- fair play: recorded for organisers to look at, not punished
  function report(kind, position) {
    if (frozen) return;
    send("POST", text.eventUrl, { kind: kind, position: position }, true).then((result) => {
      if (result.error.code === "taken_over") freeze();
    }).catch(() => {});
  }
  // "Left the page" is a switch away while this page stays loaded: the tab hidden (another tab or
  // app, the window minimised) or the window losing focus to another window. One switch counts
  // once however many of these it sets off. The page itself going away (a reload, Back, a link,
  // closing it) is no switch: the browser says so with pagehide before it hides the page, and a
  // member who comes back to the attempt has only reloaded it.
  let unloading = false;
  let asking = false; // this page's own confirmation takes the focus
  let away = null; // the switch under way: the question on show, and whether it was reported
  function leaving() {
    if (unloading || asking || frozen) return;
    away = away || { position: Number(cards[current].dataset.position), reported: false };
  }
  function reportAway() {
    if (!away || away.reported || unloading) return;
    away.reported = true;
    report("focus_lost", away.position);
  }
  function back() {
    reportAway();
    away = null;
  }
  window.addEventListener("pagehide", () => { unloading = true; away = null; });
  window.addEventListener("pageshow", () => { unloading = false; });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") {
      // Hidden while loaded is a switch: reported at once, as a phone may drop a page left in
      // the background without it ever coming back.
      leaving();
      reportAway();
    } else back();
  });
  // Focus lost with the page still on show (another window beside it): counted when the focus
  // comes back to the page, so that focus lost to the address bar on the way to a reload is not.
  window.addEventListener("blur", () => {
    if (document.activeElement && document.activeElement.tagName === "IFRAME") return; // inside the page
    leaving();
  });
  window.addEventListener("focus", back);

  if (questionTime) {
    cards.forEach((card) => { if (timedOut(card)) lockCard(card); });
    const nextOpen = () => {
      const order = cards.slice(current + 1).concat(cards.slice(0, current));
      return order.find((card) => !card.classList.contains("is-timed-out"));
    };
    const tickQuestion = () => {
      if (frozen) return;
      const card = cards[current];
      const deadline = itemDeadlines.get(Number(card.dataset.position));
      const isOut = card.classList.contains("is-timed-out");
      if (deadline === undefined || isOut) {
        // not opened yet (the server is starting its clock), or already locked: move on if we can
        questionClock.hidden = !isOut;
        questionClock.textContent = text.questionDone;
        const following = isOut ? nextOpen() : null;
        if (following) show(cards.indexOf(following));
        return;
      }
      const seconds = Math.max(0, Math.ceil((deadline - (Date.now() + clockOffset)) / 1000));
      questionClock.hidden = false;
      questionClock.textContent = text.questionLeft.replace("%(s)s", seconds);
      questionClock.classList.toggle("is-urgent", seconds <= 5);
      if (seconds <= 0) {
        clearTimeout(pending.get(card));
        lockCard(card);
        const following = nextOpen();
        if (following) show(cards.indexOf(following));
        else submitNow();
      }
    };
    setInterval(tickQuestion, 250);
    tickQuestion();
  }

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
        if (frozen) return; // ended or taken over: the bar says so already
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
