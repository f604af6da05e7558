// The host console: controls, who has answered, rulings, adjustments and the audit log.
(function () {
  "use strict";
  const root = document.getElementById("host");
  const t = Object.assign({}, document.getElementById("live-texts").dataset, document.getElementById("host-texts").dataset);
  const $ = (id) => document.getElementById(id);
  let state = null;
  // One intent, one command: what sent a command stays disabled until the server answers it (ack
  // or error) or the command is given up. A double click on Apply sent two adjustments, each with
  // its own command_id (100 -> 106 for +3). Keys: "controls" (the buttons of #controls: one of
  // them at a time), "adjust" (the adjustment form), "rule-<answer id>" (a ruling on an answer).
  const held = new Map(); // key -> id of its command on its way
  const labels = new Map(); // frame id -> what the host pressed, as the console says it
  const sentIn = new Map(); // frame id -> {seq, phase} of the state the console showed when it was sent
  let doneUntil = null; // the seq after which the green note of a command carried out goes
  const opened = new Set(); // ids of the answers whose whole text the host tapped open
  // Members with a phone connected, from the snapshot's `online` and each `presence` frame (sent
  // on a tick when it changes); null while the server cannot tell.
  let online = null;

  const live = LiveContest({
    code: root.dataset.code,
    role: "host",
    onState: (frame) => {
      // Progress inside a question (protocol 6) carries the question alone: keep the rest.
      if (state) ["teams", "next", "relay_ahead", "relay_runners", "audit", "roster", "runners"].forEach((key) => { if (!(key in frame)) frame[key] = state[key]; });
      if ("online" in frame) online = frame.online === null ? null : new Set(frame.online);
      // A command's note stays through the frame it caused (numbered the next after the one the
      // console showed), and goes with the next change after it.
      if (doneUntil !== null && frame.seq > doneUntil) { doneUntil = null; $("host-message").replaceChildren(); }
      state = frame;
      liveKeepFocus(render);
    },
    onMessage: (frame) => {
      if (frame.type !== "presence") return;
      online = frame.online === null ? null : new Set(frame.online);
      if (state) liveKeepFocus(renderMarks);
    },
    // A command still unanswered when the connection dropped was sent again on reconnecting
    // (live.js): say so, since the host may have seen the console go offline.
    onAck: (ack, resent) => {
      // The adjustment form empties once it is carried out; on an error it keeps what was typed.
      if (held.get("adjust") === ack.ref) $("adjust-form").reset();
      const sent = sentIn.get(ack.ref);
      const label = settle(ack.ref);
      note(resent ? fill(t.resent, label) : fill(t.done, label), "success");
      doneUntil = (sent ? sent.seq : state ? state.seq : 0) + 1;
    },
    onError: (error) => {
      const sent = sentIn.get(error.ref);
      settle(error.ref);
      // "Show next" refused for a question in play while this console showed none: another
      // console showed it first (its frame may still be on the way), which is no fault here.
      const overtaken = error.code === "question_in_play" && sent && ["idle", "revealed", "skipped"].includes(sent.phase);
      note(overtaken ? t.shownElsewhere : error.message, overtaken ? "info" : "danger");
      doneUntil = overtaken ? (state ? state.seq : 0) + 1 : null;
    },
    onDropped: (frame) => note(fill(t.notSent, settle(frame.id)), "warning"),
    onStatus: (status) => { $("connection").textContent = t[status]; },
  });

  // Every command with an id of its own: the server carries out a command once under its id,
  // however often the frame reaches it (protocol 7).
  function host(frame, label) {
    frame.command_id = live.newCommandId();
    const id = live.send(frame);
    labels.set(id, label.trim());
    sentIn.set(id, { seq: state ? state.seq : 0, phase: state && state.question ? state.question.phase : "idle" });
    return id;
  }

  const fill = (text, label) => text.replace("%s", label);

  function note(text, kind) {
    const div = document.createElement("div");
    div.className = "alert alert-" + kind + " py-1 px-2 small mb-0";
    div.textContent = text;
    $("host-message").replaceChildren(div);
  }

  // Send a command for `key` unless one for it is still on its way: the controls of `key` stay
  // disabled until it is answered (`settle`).
  function once(key, frame, label) {
    if (held.has(key)) return null;
    const id = host(frame, label);
    held.set(key, id);
    liveKeepFocus(hold);
    return id;
  }

  // Disable what has a command on its way (and give back what has not).
  function hold() {
    if (state) enable(state.contest.status, state.question ? state.question.phase : "idle");
    $("adjust-fields").disabled = held.has("adjust");
    document.querySelectorAll("#answers [data-rule]").forEach((b) => { b.disabled = held.has("rule-" + b.dataset.rule); });
    document.querySelectorAll(".qs-hand-over").forEach((b) => { b.disabled = held.has("hand-over"); });
  }

  // One command at a time, the buttons held until it is answered: a double click on "Show / open
  // next" showed a buzzer question and opened it at once, with no time to read it out. Finishing
  // cannot be undone, nor can skipping a question teams have answered (their answers are voided),
  // so both are asked first.
  function command(type, label) {
    if (held.has("controls")) return;
    // The finish scores a question open or closed, not yet revealed, and sets aside one on show
    // and never opened: say which.
    const phase = state && state.question ? state.question.phase : "idle";
    const ask = { open: t.confirmFinishQuestion, closed: t.confirmFinishQuestion, reading: t.confirmFinishShown, picking: t.confirmFinishShown }[phase] || t.confirmFinish;
    if (type === "host.finish" && !window.confirm(ask)) return;
    const given = state && state.question && state.question.answers ? state.question.answers.length : 0;
    if (type === "host.skip" && given && !window.confirm((given === 1 ? t.confirmSkipOne : t.confirmSkip).replace("%s", given))) return;
    once("controls", { type: type }, label);
  }

  // The command `ref` is answered (or given up): free the buttons; what the host pressed.
  function settle(ref) {
    const label = labels.get(ref) || "";
    labels.delete(ref);
    sentIn.delete(ref);
    held.forEach((id, key) => { if (id === ref) held.delete(key); });
    liveKeepFocus(hold);
    return label;
  }

  // The note after a command names it as the button's name does ("Done: Close answers").
  document.querySelectorAll("[data-command]").forEach((b) => b.addEventListener("click", () => command(b.dataset.command, b.getAttribute("aria-label") || b.textContent)));
  $("adjust-form").addEventListener("submit", (event) => {
    event.preventDefault();
    // Whole points within the server's bound, or a word on the page: the browser's own check of a
    // number field showed nothing in the console's message area, and "1e20" or "1.5" did nothing.
    const input = $("adjust-points");
    const limit = Number(input.max);
    const points = Number(input.value);
    if (!/^[+-]?\d+$/.test(input.value.trim()) || Math.abs(points) > limit) { note(t.adjustRange, "danger"); input.focus(); return; }
    once("adjust", { type: "host.adjust", team: Number($("adjust-team").value), points: points, reason: $("adjust-reason").value }, t.adjust);
  });

  // The words for a code, from data-<prefix>-<code> on #host-texts; the code itself never shows.
  const word = (prefix, code) => t[prefix + code.replace(/(^|[._])([a-z])/g, (_m, _s, c) => c.toUpperCase())] || "";

  // An answer as people read it: option letters with their text, true/false, or the blanks.
  function answerText(q, response) {
    if (response === null || response === undefined) return t.blank;
    const list = Array.isArray(response) ? response : [response];
    if (q.type === "true_false") return list.map((v) => (v ? t.true : t.false)).join(", ");
    if (q.type === "fill_blank") return liveBlanks(list.map((v) => (Array.isArray(v) ? v : v || t.blank)));
    const texts = new Map((q.options || []).map((o) => [o.letter, o.text]));
    return list.map((letter) => letter + ". " + (texts.get(letter) || "")).join("; ");
  }

  // The buttons each phase shows: only what the host may press in it. "open" is Show next (or
  // Open it, for a question on show); it goes after the last question, where the page says
  // Finish is the way on. Before the start only Start shows, greyed when the page says what
  // is missing; after the finish, none.
  const SHOWN = {
    idle: ["open", "pause", "finish"],
    reading: ["open", "skip", "pause", "finish"],
    picking: ["open", "skip", "pause", "finish"],
    open: ["close", "reveal", "skip", "pause", "finish"],
    closed: ["reveal", "skip", "pause", "finish"],
    revealed: ["open", "pause", "finish"],
    skipped: ["open", "pause", "finish"],
  };

  function shownButtons(status, phase) {
    if (status === "draft") return ["start"];
    if (status === "paused") return ["resume", "finish"];
    if (status === "running") return SHOWN[phase] || [];
    return [];
  }

  // What the host sees and may press now, by the contest's state and the current question's phase.
  function enable(status, phase) {
    const shown = shownButtons(status, phase);
    document.querySelectorAll("#controls [data-command]").forEach((button) => {
      const name = button.id.replace("-button", "");
      const greyed = name === "start" && Boolean(root.dataset.notReady);
      // After the last question there is no next to show: the button goes, and the note beside
      // Finish says that is the way on (a greyed-out "Show the next question" read as stuck).
      const noNext = name === "open" && !state.next && phase !== "reading" && phase !== "picking";
      button.hidden = !shown.includes(name) || noNext;
      button.disabled = button.hidden || greyed || held.has("controls");
    });
  }

  function render() {
    const q = state.question;
    const phase = q ? q.phase : "idle";
    $("status").textContent = word("status", state.contest.status);
    $("stem").innerHTML = q ? q.stem : ""; // sanitised on the server
    $("where").textContent = q ? liveTitle(q.round) + " · " + t.questionNo.replace("%s", q.position) + " · " + word("phase", phase) : word("phase", phase);
    $("key").textContent = q && q.key ? t.answer + t.colon + answerText(q, q.key) : "";
    const teams = teamNames();
    // Every team that may answer has a row: one without an answer says so, or the host cannot
    // tell "no answer" from "not loaded".
    const answered = new Set((q && q.answers ? q.answers : []).map((a) => a.team));
    const silent = q && q.phase !== "reading" && q.phase !== "picking"
      ? state.teams.filter((x) => !answered.has(x.id) && (!q.answer_teams || q.answer_teams.includes(x.id))) : [];
    const ended = q && (q.phase === "revealed" || q.phase === "skipped" || q.phase === "closed");
    $("answers").replaceChildren(...(q && q.answers ? q.answers : []).map((a) => {
      const tr = document.createElement("tr");
      tr.innerHTML = "<td></td><td></td><td></td><td></td><td></td>";
      tr.children[0].textContent = teams.get(a.team);
      tr.children[1].textContent = a.name;
      tr.children[0].className = tr.children[1].className = "qs-name-col";
      // A relay leg handed over says so once answered too, as it did while the row waited.
      const holder = q.baton ? q.baton[String(a.team)] : null;
      if (holder && holder.handed_from && holder.member === a.member) tr.children[1].append(...handedFrom(holder.handed_from.name));
      // A long answer wraps in its own column, clipped to three lines: whole on hover or a tap.
      const text = answerText(q, a.response);
      const shown = document.createElement("span");
      shown.textContent = text;
      tr.children[2].className = "qs-answer-col";
      tr.children[2].title = text;
      tr.children[2].append(shown);
      tr.children[2].classList.toggle("is-open", opened.has(a.id));
      tr.children[2].addEventListener("click", () => { tr.children[2].classList.toggle("is-open", !opened.delete(a.id) && Boolean(opened.add(a.id))); });
      // The verdict as it stands: the latest ruling's, else the marking's.
      const right = a.ruling === null || a.ruling === undefined ? a.is_correct : a.ruling;
      // The mark with its words for a screen reader ("check mark" says nothing of the answer).
      const mark = document.createElement("span");
      mark.setAttribute("role", "img");
      mark.setAttribute("aria-label", right ? t.right : t.wrong);
      mark.textContent = right ? "✓" : "✗";
      tr.children[3].append(mark);
      tr.children[4].className = "qs-rule-col";
      // A finished contest's results are final (the server refuses rulings): no buttons for them.
      // Only the ruling that changes something: an answer standing wrong may be ruled right, and
      // one standing right ruled wrong.
      if (q.phase === "revealed" && state.contest.status !== "finished") {
        const correct = !right;
        const button = document.createElement("button");
        button.className = "btn btn-sm btn-link py-0" + (correct ? "" : " text-danger");
        button.textContent = correct ? t.overrideRight : t.overrideWrong;
        button.dataset.rule = a.id;
        button.dataset.focusKey = "rule-" + a.id;
        button.disabled = held.has("rule-" + a.id);
        button.onclick = () => {
          if (held.has("rule-" + a.id)) return; // the ruling on it is on its way
          const reason = window.prompt(t.reason);
          if (reason) once("rule-" + a.id, { type: "host.override", answer: a.id, correct: correct, reason: reason }, button.textContent);
        };
        tr.children[4].append(button);
      }
      return tr;
    }), ...silent.map((x) => {
      const tr = document.createElement("tr");
      tr.className = "qs-no-answer";
      tr.innerHTML = "<td class='qs-name-col'></td><td class='qs-name-col'></td><td colspan='3' class='qs-muted'></td>";
      tr.children[0].textContent = liveName(x);
      // In a relay only the baton holder may answer: say who, and whether their phone is there.
      const holder = q.baton ? q.baton[String(x.id)] : null;
      if (holder) {
        tr.children[1].textContent = holder.name;
        const mark = document.createElement("span");
        mark.dataset.presenceMember = holder.member;
        mark.append(...connection(holder.member));
        tr.children[1].append(mark);
        if (holder.handed_from) tr.children[1].append(...handedFrom(holder.handed_from.name));
        if (!ended) tr.children[1].append(...handOverButton(x.id, holder.member, holder.name));
      }
      tr.children[2].textContent = ended ? t.didNotAnswer : t.noAnswerYet;
      return tr;
    }));
    renderPresence(teams);
    $("scores").replaceChildren(...state.teams.map((x) => {
      const li = document.createElement("li");
      li.className = "list-group-item d-flex justify-content-between";
      li.innerHTML = "<span></span><strong></strong>";
      li.firstChild.textContent = x.rank + ". " + liveName(x);
      if (x.ahead_on_time) li.firstChild.append(" ", liveTieNote());
      li.lastChild.textContent = x.score;
      return li;
    }));
    const select = $("adjust-team");
    if (select.options.length !== state.teams.length) {
      select.replaceChildren(...state.teams.map((x) => new Option(liveName(x), x.id)));
    }
    $("audit").replaceChildren(...(state.audit || []).map((e) => {
      const li = document.createElement("li");
      li.className = "list-group-item";
      li.textContent = siteTime(new Date(e.at)) + " · " + e.actor + " · " + (word("audit", e.action) || e.action) + (e.detail.at_finish ? " · " + t.auditAtFinish : "") + (e.detail.reason ? " · " + e.detail.reason : "");
      return li;
    }));
    $("adjust-card").hidden = state.contest.status === "finished" || state.contest.status === "draft";
    $("results-final").hidden = state.contest.status !== "finished";
    $("paused-note").hidden = state.contest.status !== "paused";
    // The one button does two things: say which the next press does.
    $("open-button").textContent = phase === "reading" || phase === "picking" ? t.openNow : t.showNext;
    // After the last question the only way on is Finish: say so (the "next" button is gone).
    $("last-question").hidden = !(state.contest.status === "running" && !state.next && (phase === "revealed" || phase === "skipped"));
    $("open-button").title = t.next + ": " + (state.next ? t.roundNo.replace("%s", state.next.round) + " · " + t.questionNo.replace("%s", state.next.position) : t.none);
    enable(state.contest.status, phase);
  }

  const teamNames = () => new Map(state.teams.map((x) => [x.id, liveName(x)]));

  // A `presence` frame changes only who is marked: the marks in the answers table change in place
  // (its rows stay: redrawn, a row the host was reading or about to tap vanished for an instant),
  // and the phones card is drawn again.
  function renderMarks() {
    document.querySelectorAll("#answers [data-presence-member]").forEach((mark) => {
      mark.replaceChildren(...connection(Number(mark.dataset.presenceMember)));
    });
    renderPresence(teamNames());
  }

  // A mark beside a member who has no phone connected ([] when connected, or when unknown).
  function connection(member) {
    if (online === null || online.has(member)) return [];
    const badge = document.createElement("span");
    badge.className = "badge text-bg-danger ms-1 qs-runner-offline";
    badge.innerHTML = "<i class='bi bi-wifi-off'></i> ";
    badge.append(t.runnerOffline);
    return [" ", badge];
  }

  // A runner's remaining relay legs go to a teammate (a phone died, the runner left the hall):
  // offered while the contest runs, to a member holding the baton of a relay question still to
  // show (`relay_runners`) or of the one in play that the team has not answered, as the server
  // refuses the rest (`not_a_runner`, `no_legs_left`: services/handover.py): from the start on,
  // so roll call before Q1 can; never to a runner whose legs all fall past the last question.
  function handOverButton(team, member, name) {
    const running = state.contest.status === "running" || state.contest.status === "paused";
    const mates = ((state.runners || {})[String(team)] || []).filter((m) => m.member !== member);
    const q = state.question;
    // In play as the server counts it: shown and not yet closed (an opening not closed, revealed or skipped).
    const inPlay = q && q.round.answered_by === "baton" && !["closed", "revealed", "skipped"].includes(q.phase) && !q.answered.includes(team);
    const holdsInPlay = inPlay && q.baton && q.baton[String(team)] && q.baton[String(team)].member === member;
    const holdsAhead = ((state.relay_runners || {})[String(team)] || []).includes(member);
    if (!running || !mates.length || !(holdsAhead || holdsInPlay)) return [];
    const button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-sm btn-outline-primary py-0 ms-1 qs-hand-over";
    button.dataset.member = member;
    // Named with the runner: a list of buttons each read "Hand over" did not say whose legs.
    button.setAttribute("aria-label", t.handOver + " · " + name);
    // One runner may have a button in the answers table and in the phones card: each keeps its own place.
    button.dataset.focusKey = "hand-over-" + member;
    button.disabled = held.has("hand-over");
    button.innerHTML = "<i class='bi bi-arrow-left-right'></i> ";
    button.append(t.handOver);
    button.addEventListener("click", () => openHandOver(team, member, name));
    return [" ", button];
  }

  function handedFrom(name) {
    const span = document.createElement("span");
    span.className = "small qs-muted ms-1 qs-handed-from";
    span.textContent = "(" + t.handedFrom.replace("%s", name) + ")";
    return [" ", span];
  }

  const handedTo = (team, member) => (state.handovers || []).some((h) => h.team === team && h.to === member);

  let handingOver = null; // {team, member} of the dialog open
  const dialog = () => bootstrap.Modal.getOrCreateInstance($("handover-dialog"));

  function openHandOver(team, member, name) {
    handingOver = { team: team, member: member };
    const mates = ((state.runners || {})[String(team)] || []).filter((m) => m.member !== member);
    $("handover-to").replaceChildren(...mates.map((m) => new Option(m.name, m.member)));
    const teamName = state.teams.find((x) => x.id === team);
    $("handover-who").textContent = t.handoverWho.replace("{runner}", name).replace("{team}", teamName ? liveName(teamName) : "");
    $("handover-reason").value = "";
    dialog().show();
  }

  $("handover-form").addEventListener("submit", (event) => {
    event.preventDefault();
    if (!handingOver || !$("handover-to").value) return;
    const frame = { type: "host.hand_over", team: handingOver.team, from_member: handingOver.member, to_member: Number($("handover-to").value), reason: $("handover-reason").value };
    if (once("hand-over", frame, t.handOver)) closeHandOver();
  });

  // Bootstrap ignores hide() while the dialog is still fading in (a host quick on the button, or
  // a slow machine): then it closes as soon as it is shown.
  let dialogOpening = false;
  let closeWhenShown = false;
  $("handover-dialog").addEventListener("show.bs.modal", () => { dialogOpening = true; });
  $("handover-dialog").addEventListener("shown.bs.modal", () => {
    dialogOpening = false;
    if (closeWhenShown) { closeWhenShown = false; dialog().hide(); }
  });
  function closeHandOver() {
    if (dialogOpening) closeWhenShown = true;
    else dialog().hide();
  }

  // How many runners have a phone connected, and who has not (by team, in relay order).
  function renderPresence(teams) {
    const runners = state.runners || {};
    const all = Object.entries(runners).flatMap(([team, members]) => members.map((m) => Object.assign({ team: Number(team) }, m)));
    $("presence-card").hidden = all.length === 0;
    renderLegsAhead(teams, all);
    if (online === null) {
      $("presence-summary").textContent = t.presenceUnknown;
      $("presence-missing").replaceChildren();
      return;
    }
    const missing = all.filter((m) => !online.has(m.member));
    $("presence-summary").textContent = t.presenceCount.replace("{on}", all.length - missing.length).replace("{all}", all.length);
    $("presence-summary").classList.toggle("text-danger", missing.length > 0);
    $("presence-missing").replaceChildren(...missing.map((m) => {
      const li = document.createElement("li");
      li.className = "list-group-item d-flex justify-content-between gap-2 qs-runner-missing";
      li.innerHTML = "<span></span><span class='qs-muted text-nowrap'></span>";
      li.firstChild.textContent = (teams.get(m.team) || "") + " · " + m.name;
      li.firstChild.append(...connection(m.member));
      if (m.leg || handedTo(m.team, m.member)) li.firstChild.append(...handOverButton(m.team, m.member, m.name));
      li.lastChild.textContent = m.leg ? t.legNo.replace("%s", m.leg) : "";
      return li;
    }));
  }

  // Every runner holding the baton of a relay question still to show (`relay_runners`, after the
  // hand-overs), connected or not, by team in relay order, each with "Hand over": between
  // questions a runner about to leave the hall hands over with their phone still connected
  // (the list above names only the runners not connected). Folded: a big hall has many.
  function renderLegsAhead(teams, all) {
    const ahead = state.relay_runners || {};
    const running = state.contest.status === "running" || state.contest.status === "paused";
    const holders = all.filter((m) => (ahead[String(m.team)] || []).includes(m.member));
    $("legs-ahead").hidden = !running || holders.length === 0;
    $("legs-ahead-summary").textContent = t.legsAhead.replace("%s", holders.length);
    $("legs-ahead-list").replaceChildren(...holders.map((m) => {
      const li = document.createElement("li");
      li.className = "list-group-item d-flex justify-content-between gap-2 qs-runner-ahead";
      li.innerHTML = "<span></span><span class='qs-muted text-nowrap'></span>";
      li.firstChild.textContent = (teams.get(m.team) || "") + " · " + m.name;
      li.firstChild.append(...connection(m.member), ...handOverButton(m.team, m.member, m.name));
      li.lastChild.textContent = m.leg ? t.legNo.replace("%s", m.leg) : "";
      return li;
    }));
  }

  setInterval(() => {
    const q = state && state.question;
    const left = q && q.phase === "open" ? liveRemaining(q.deadline_at, live.serverNow) : null;
    $("countdown").textContent = left === null ? "" : left + "s";
  }, 200);
})();
