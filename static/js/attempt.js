// Taking a paper: exam answers autosave; practice, daily quiz and challenge answers are marked
// at once. The countdown shows the server's deadline, corrected by the offset between the
// server's clock (sent with the page) and this device's.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("attempt-data").textContent);
  const text = document.getElementById("attempt-messages").dataset;
  const status = document.getElementById("attempt-status");
  const submitForm = document.getElementById("submit-form");
  const clockOffset = Date.parse(data.server_time) - Date.now();
  const base = "/api/v1/study/attempts/" + data.id + "/items/";

  function csrfToken() {
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  const { responseOf, isEmpty, emptyBlanks } = window.qsAnswers;
  const confirmText = () => window.qsAnswers.confirmText(text);

  // `keepalive`: the request outlives the page (a save sent as the member leaves it).
  async function send(method, url, body, keepalive = false) {
    const response = await fetch(url, {
      method: method,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      credentials: "same-origin",
      body: JSON.stringify(body),
      keepalive: keepalive,
    });
    const payload = await response.json().catch(() => ({}));
    // A refusal reads {"error": {"code", "message", "field"}}, its message in the member's language.
    const error = payload.error || { code: "", message: text.failed };
    // 401/403: the session has ended (the attempt is the member's own, so nothing else refuses it).
    if (response.status === 401 || response.status === 403) error.code = "signed_out";
    return { ok: response.ok, payload: payload, error: error };
  }

  // Signed out (the session expired, or another tab signed out): say so on the question and in
  // the bar with the way to sign in and come back to this attempt, whose answers so far the
  // server keeps; the answer on the question stays as chosen, to send again once signed in.
  function signedOut(card) {
    const link = () => {
      const a = document.createElement("a");
      a.href = text.signIn;
      a.textContent = text.signInAgain;
      return a;
    };
    problem(card, text.signedOut + " ");
    const again = link();
    again.className = "btn btn-primary btn-sm mt-2 qs-sign-in-again";
    card.querySelector(".qs-feedback").append(again);
    const bar = link();
    bar.id = "signed-out-link";
    status.replaceChildren(text.signedOut + " ", bar);
  }

  // `fromButton`: the member pressed the question's button with the keyboard's place on it.
  function showFeedback(card, result, fromButton = false) {
    const box = card.querySelector(".qs-feedback");
    const alert = document.createElement("div");
    const partly = result.verdict === "partly_right";
    alert.className = "alert mb-0 py-2 qs-verdict " + (result.is_correct ? "alert-success" : partly ? "alert-warning" : "alert-danger");
    alert.dataset.verdict = result.verdict;
    const strong = document.createElement("strong");
    strong.textContent = result.is_correct ? text.right : partly ? text.partlyRight : text.wrong;
    const marks = document.createElement("span");
    marks.className = "qs-marks";
    marks.textContent = result.marks_text; // in the page's language, from the server
    alert.append(strong, " · ", marks, " · " + text.answer + text.colon + keyText(card.dataset.type, result.key));
    if (result.explanation) {
      const explanation = document.createElement("div");
      explanation.className = "small mt-1";
      explanation.innerHTML = text.explanation + text.colon + result.explanation; // sanitised on the server
      alert.append(explanation);
    }
    box.replaceChildren(alert);
    card.querySelectorAll("input").forEach((input) => { input.disabled = true; });
    card.querySelectorAll(".qs-option input").forEach((input) => {
      const option = input.closest(".qs-option");
      const value = card.dataset.type === "true_false" ? input.value === "对" : input.value;
      if (result.key.includes(value)) option.classList.add("is-key");
      else if (input.checked) option.classList.add("is-wrong");
      else return;
      option.append(optionMark(option.classList.contains("is-key")));
    });
    const button = card.querySelector(".qs-answer-button");
    // The button pressed goes away with the inputs: the keyboard's place moves to the verdict,
    // which a screen reader then reads ("Not right · 0 / 1 pt · Answer: C"), and Tab goes on to
    // the next question from there.
    alert.tabIndex = -1;
    if (button) button.remove();
    if (fromButton) alert.focus();
  }

  // Another tab or window answered this question first: the card shows that answer, as recorded,
  // with its verdict, and says so at the top of the verdict (read with it), not this tab's pick.
  function showRecorded(card, recorded, message, fromButton) {
    const inputs = Array.from(card.querySelectorAll("input[name='q" + card.dataset.position + "']"));
    const given = recorded.response || [];
    inputs.forEach((input, index) => {
      if (card.dataset.type === "fill_blank") input.value = given[index] || "";
      else if (card.dataset.type === "true_false") input.checked = given.includes(input.value === "对");
      else input.checked = given.includes(input.value);
    });
    showFeedback(card, recorded, fromButton);
    const note = document.createElement("div");
    note.className = "small mb-1 qs-answered-elsewhere";
    note.textContent = message;
    card.querySelector(".qs-verdict").prepend(note);
  }

  // An option marked in words as well as in colour (lessons/_option_mark.html): the key, or the
  // member's wrong pick.
  function optionMark(right) {
    const mark = document.createElement("span");
    mark.className = "qs-mark ms-auto " + (right ? "is-key" : "is-wrong");
    const icon = document.createElement("i");
    icon.className = "bi " + (right ? "bi-check-circle-fill" : "bi-x-circle-fill");
    icon.setAttribute("aria-hidden", "true");
    mark.append(icon, " " + (right ? text.keyMark : text.wrongMark));
    return mark;
  }

  function keyText(type, key) {
    if (type === "true_false") return key[0] ? text.true : text.false;
    if (type === "fill_blank") return key.map((alternatives) => alternatives.join(" / ")).join("；");
    return key.join("");
  }

  function problem(card, message) {
    const box = card.querySelector(".qs-feedback");
    const alert = document.createElement("div");
    alert.className = "alert alert-warning mb-0 py-2";
    alert.setAttribute("role", "alert"); // read out at once: the member's place stays on the button
    alert.textContent = message;
    box.replaceChildren(alert);
  }

  // The attempt ended elsewhere (another tab, the deadline, a page kept from before): say so on
  // the question and in the bar, with the way to the result, and offer nothing more to answer.
  function ended(card, message) {
    stopCountdown();
    problem(card, message);
    // The way to the result right under the message on the question, where the eye is.
    const go = document.createElement("a");
    go.href = text.result;
    go.className = "btn btn-primary btn-sm mt-2 qs-ended-result";
    go.textContent = text.seeResult;
    card.querySelector(".qs-feedback").append(go);
    const link = document.createElement("a");
    link.href = text.result;
    link.id = "ended-result-link";
    link.textContent = text.seeResult;
    status.replaceChildren(message + " ", link);
    document.querySelectorAll(".qs-answer-button").forEach((button) => button.remove());
    document.querySelectorAll(".qs-question input").forEach((input) => { input.disabled = true; });
    submitForm.hidden = true;
  }

  // A page the browser brings back from its back-forward cache is the attempt as it was: ask the
  // server again, which shows an ended attempt as ended.
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) window.location.reload();
  });

  // Exams: save each change. The page's saves go one at a time, each carrying the attempt's
  // revision this page last saw (the server bumps it on every saved answer and returns it): a
  // save that meets a newer revision was made on a page that had not seen another tab's or
  // window's answers, and is refused with them ("sheet_changed"). One at a time also keeps a
  // question's older answer from arriving after its newer one (a multiple choice ticked quickly
  // was stored with its first tick only). A change made while a save is on its way waits its
  // turn, and pending saves are flushed before the paper is submitted, so an answer typed just
  // before pressing Submit is not lost. Each save also carries this page's own token: a save
  // that reached the server but whose answer was lost (a network drop) leaves the page a revision
  // behind its own save, and the server, seeing the last save came from this very page, accepts
  // the next instead of telling of another tab. A save that fails on the way is sent again,
  // first, with the next one, or on its own after a wait that doubles up to half a minute.
  let revision = data.revision;
  const page = crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2) + String(Date.now());
  const pending = new Map(); // card -> debounce timer
  const queue = []; // cards whose answer is to be sent, each once, in the order changed
  let sending = null; // the save on its way
  let retryDelay = 2000; // after a save failed on the way (ms)
  let retryTimer = null;
  let changed = false; // a save met another tab's answers since the member last pressed Submit

  // `leaving`: the page is being left or hidden, so the save goes with keepalive and outlives the
  // page, as the video player's last beat does.
  function save(card, leaving = false) {
    pending.delete(card);
    if (!queue.includes(card)) queue.push(card);
    return pump(leaving);
  }

  function pump(leaving = false) {
    if (sending || !queue.length) return sending || Promise.resolve();
    const card = queue.shift();
    const keepalive = leaving || document.visibilityState === "hidden";
    const body = { response: responseOf(card), revision: revision, page: page };
    sending = send("PUT", base + card.dataset.position + "/", body, keepalive).then(
      (result) => {
        sending = null;
        const code = result.error.code;
        if (code === "deadline_passed" || code === "attempt_finished") {
          queue.length = 0;
          submitNow();
          return;
        }
        if (code === "signed_out") {
          queue.length = 0;
          signedOut(card);
          return;
        }
        if (code === "sheet_changed") {
          queue.length = 0;
          changedElsewhere(card, result.payload.attempt, result.error.message);
          return;
        }
        if (result.ok) {
          retryDelay = 2000;
          revision = result.payload.revision;
          if (!queue.length && !pending.size) status.textContent = text.saved + " · " + siteTime(new Date());
        } else problem(card, result.error.message);
        return pump();
      },
      (error) => {
        // No answer came (offline, or the answer was lost): this card goes again, first, when
        // the next save or the submit sends the queue; resent, it is accepted as this page's.
        sending = null;
        if (!queue.includes(card)) queue.unshift(card);
        status.textContent = text.retrying;
        clearTimeout(retryTimer);
        retryTimer = setTimeout(() => pump().catch(() => {}), retryDelay);
        retryDelay = Math.min(retryDelay * 2, 30000);
        throw error;
      },
    );
    return sending;
  }

  // Another tab or window saved answers this page had not seen: show the answers as saved, say
  // so on the question just answered and in the bar, and let the member answer again from there.
  function changedElsewhere(card, attempt, message) {
    changed = true;
    pending.forEach((timer) => clearTimeout(timer));
    pending.clear();
    revision = attempt.revision;
    attempt.items.forEach((item) => {
      const shown = document.getElementById("q" + item.position);
      if (shown) showSaved(shown, item.saved_response);
    });
    problem(card, message);
    card.querySelector(".qs-feedback .alert").id = "sheet-changed";
    status.textContent = message;
  }

  // A card's inputs set to a saved answer (null: none): letters, [true]/[false], or blank texts.
  function showSaved(card, saved) {
    const inputs = card.querySelectorAll("input[name='q" + card.dataset.position + "']");
    const values = saved || [];
    inputs.forEach((input, index) => {
      if (card.dataset.type === "fill_blank") input.value = values[index] || "";
      else if (card.dataset.type === "true_false") input.checked = values.length > 0 && values[0] === (input.value === "对");
      else input.checked = values.includes(input.value);
    });
  }

  async function flushSaves() {
    for (const [card, timer] of Array.from(pending)) {
      clearTimeout(timer);
      save(card);
    }
    // A save returning sends the next one waiting, if any: wait for those too.
    while (sending || queue.length) await pump();
  }

  // Leaving the page (a reload, Back, a link, another app) does not wait for the debounce: what
  // is waiting is saved at once. A page going away answers no save, so what still waits behind
  // the save on its way goes at once too, with keepalive, and without a revision (several at
  // once would refuse each other): the member's last answers to those questions are kept.
  function saveBeforeLeaving(event) {
    if (event.type === "visibilitychange" && document.visibilityState !== "hidden") return;
    for (const [card, timer] of Array.from(pending)) {
      clearTimeout(timer);
      save(card, true);
    }
    if (event.type !== "pagehide") return;
    for (const card of queue.splice(0)) {
      send("PUT", base + card.dataset.position + "/", { response: responseOf(card), page: page }, true).catch(() => {});
    }
  }

  // `byMember`: the member pressed Submit. If a save then meets another tab's answers, the
  // paper is not handed in: the page shows the answers as saved and says so, and the member
  // checks them and presses Submit again (handing in at once would grade answers they never
  // saw, with their last one dropped). At the deadline or once the attempt has ended it goes in.
  async function submitNow(byMember = false) {
    changed = false;
    await flushSaves();
    if (byMember && changed) return;
    submitForm.dataset.auto = "1";
    submitForm.submit();
  }

  if (data.paper.mode === "exam") {
    document.querySelectorAll(".qs-question").forEach((card) => {
      card.addEventListener("input", () => {
        clearTimeout(pending.get(card));
        status.textContent = text.saving;
        pending.set(card, setTimeout(() => save(card), card.dataset.type === "fill_blank" ? 600 : 0));
      });
    });
    window.addEventListener("pagehide", saveBeforeLeaving);
    document.addEventListener("visibilitychange", saveBeforeLeaving);
    submitForm.addEventListener("submit", (event) => {
      if (submitForm.dataset.auto) return;
      event.preventDefault();
      if (window.confirm(confirmText())) submitNow(true);
    });
  }

  // Practice, daily quiz, challenge: finishing drops the questions not yet marked (an option
  // ticked without pressing its answer button included), so ask first when there are any.
  if (data.paper.mode !== "exam") {
    submitForm.addEventListener("submit", (event) => {
      const unmarked = document.querySelectorAll(".qs-answer-button").length;
      if (unmarked && !window.confirm(text.unanswered.replace("%(n)s", unmarked) + "\n" + text.finish)) event.preventDefault();
    });
  }

  // A fill-in sent with a blank left empty beside a filled one is marked only once the member
  // confirms it: the empty boxes are outlined, the message says which, and the button becomes
  // "Submit as it stands". Typing in the card takes the question back.
  function askAboutBlanks(card, button, refusal) {
    const inputs = card.querySelectorAll("input[name='q" + card.dataset.position + "']");
    const empty = emptyBlanks(card);
    empty.forEach((number) => inputs[number - 1].classList.add("is-invalid"));
    const message = empty.length > 1 ? text.blanksEmpty : text.blankEmpty;
    // The server's own words when it saw an empty blank this page did not (spaces of other kinds).
    problem(card, empty.length ? message.replace("%(n)s", empty.join(text.separator)) : refusal);
    card.dataset.confirmBlanks = "1";
    button.textContent = text.asItStands;
    card.addEventListener("input", () => {
      delete card.dataset.confirmBlanks;
      button.textContent = text.submitAnswer;
      inputs.forEach((input) => input.classList.remove("is-invalid"));
    }, { once: true });
  }

  // Practice, daily quiz, challenge: mark each answer at once.
  document.querySelectorAll(".qs-answer-button").forEach((button) => {
    button.addEventListener("click", async () => {
      const card = button.closest(".qs-question");
      const response = responseOf(card);
      if (isEmpty(response)) return problem(card, text.pick);
      const confirmed = Boolean(card.dataset.confirmBlanks);
      if (!confirmed && emptyBlanks(card).length) return askAboutBlanks(card, button);
      const hadFocus = document.activeElement === button; // disabling it loses it
      button.disabled = true;
      const answerId = card.dataset.answerId || (card.dataset.answerId = crypto.randomUUID ? crypto.randomUUID() : String(Math.random()));
      const body = { response: response, client_answer_id: answerId, allow_empty_blanks: confirmed };
      const result = await send("POST", base + card.dataset.position + "/answer/", body);
      if (!result.ok) {
        if (["attempt_finished", "deadline_passed", "question_time_up"].includes(result.error.code)) return ended(card, result.error.message);
        button.disabled = false;
        if (hadFocus) button.focus();
        if (result.error.code === "signed_out") return signedOut(card);
        if (result.error.code === "blanks_empty") return askAboutBlanks(card, button, result.error.message);
        if (result.error.code !== "already_answered" || !result.payload.answer) return problem(card, result.error.message);
        showRecorded(card, result.payload.answer, result.error.message, hadFocus);
      } else showFeedback(card, result.payload, hadFocus);
      const attempt = result.payload.attempt;
      if (attempt.status !== "in_progress") {
        // The run is over (a wrong answer ends a challenge): no time is running any more.
        stopCountdown();
        setTimeout(() => { window.location.href = text.result; }, 1200);
      }
      else if (data.paper.mode === "challenge") {
        warnings.length = 0; // answered: its time running out is no longer news
        setTimeout(() => window.location.reload(), 900);
      }
    });
  });

  // Countdown to the exam deadline or the open challenge question's deadline. Stopped where it
  // stands once the attempt has ended (it went on ticking beside "Challenge ended").
  const open = data.items.filter((item) => item.deadline_at && !item.answered).pop();
  const deadline = data.deadline_at ? Date.parse(data.deadline_at) : open ? Date.parse(open.deadline_at) : null;
  const countdown = document.getElementById("countdown");
  let interval = null;
  function stopCountdown() {
    clearInterval(interval);
    interval = null;
    if (countdown) {
      countdown.classList.remove("is-urgent");
      countdown.classList.add("is-stopped");
    }
  }
  // An exam's time running out is said twice in a polite live region, at 5 minutes and at 1
  // minute left, each once: the countdown is a timer, which a screen reader does not read out
  // (read out every second, it drowned the questions). A challenge question's is said once, by
  // the time the question gives: at 10 seconds left when it gives 20 or more (time enough to
  // hear it, then pick and press Answer), at 5 when it gives 10 to 19 (a warning at 10 would
  // come in its first half), never under 10 (the whole question is its last seconds). A mark
  // already passed when the page opens stays unsaid: the countdown beside it shows the time.
  const warning = document.getElementById("time-warning");
  const warnings = [];
  if (warning && data.paper.mode === "exam") warnings.push([300, warning.dataset.five], [60, warning.dataset.one]);
  else if (warning && open && open.opened_at) {
    const given = (Date.parse(open.deadline_at) - Date.parse(open.opened_at)) / 1000;
    if (given >= 20) warnings.push([10, warning.dataset.tenSeconds]);
    else if (given >= 10) warnings.push([5, warning.dataset.fiveSeconds]);
  }
  let warned; // the last mark said or passed at opening (null: none); undefined before the first tick
  if (deadline && countdown) {
    const tick = () => {
      const left = Math.max(0, deadline - (Date.now() + clockOffset));
      const seconds = Math.ceil(left / 1000);
      const mark = warnings.filter(([at]) => seconds <= at).pop();
      if (warned === undefined) warned = mark ? mark[0] : null;
      else if (mark && mark[0] !== warned && seconds > 0) { warned = mark[0]; warning.textContent = mark[1]; }
      countdown.textContent = String(Math.floor(seconds / 60)).padStart(2, "0") + ":" + String(seconds % 60).padStart(2, "0");
      countdown.classList.toggle("is-urgent", seconds <= 30);
      if (left <= 0) {
        clearInterval(interval);
        status.textContent = text.timeup;
        submitNow();
      }
    };
    interval = setInterval(tick, 250);
    tick();
  }
})();
