// A player's phone: sees only what it may act on.
(function () {
  "use strict";
  const root = document.getElementById("player");
  const t = Object.assign({}, document.getElementById("live-texts").dataset, document.getElementById("player-texts").dataset);
  const $ = (id) => document.getElementById(id);
  let state = null;
  let you = {};
  // This phone's own answer or stake for the question in play (sent, then acknowledged): phones get no progress frames,
  // so without it the buttons stayed after the acknowledgement, and a second tap (or a double
  // tap) was refused with "your team has already answered".
  let sent = null; // {opening, kind, id, label, done, late}
  let online = false; // the connection's state (live.js): an answer on its way while offline is not sent
  // The team's answer as the server stored it (team.answered, or a snapshot's you.team_answer):
  // a teammate's phone puts its buttons away once anyone of the team has answered.
  let teamAnswer = null; // {opening, member, name, response, received_at}
  // The blanks typed for the question in play, kept when the controls are drawn again.
  let drafts = null; // {opening, values}

  const live = LiveContest({
    code: root.dataset.code,
    role: "player",
    onState: (frame) => {
      if (frame.you) {
        you = frame.you;
        // A snapshot may be a moment older than a team.answered already here: keep the newer.
        if (you.team_answer) teamAnswer = you.team_answer;
      }
      // Frames after which no score changed leave out the board: keep the one we have.
      if (!frame.teams && state) { frame.teams = state.teams; frame.standings = state.standings; }
      state = frame;
      render();
    },
    onAck: (ack) => {
      if (sent && ack.ref === sent.id) { sent.done = true; render(); }
      // A foul or a lost buzz is said above the question (for the whole team) by the frame that
      // follows; only the win is worth a word of its own here.
      if (ack.action === "buzz" && ack.won && !ack.early) message(t.buzzwon, "success");
    },
    onError: (error) => {
      // Refused: the buttons come back (unless the team's answer or stake is in already).
      if (sent && error.ref === sent.id && error.code === "deadline_passed" && sent.kind === "answer") {
        // Sent again after a reconnect, once the question had closed: say which answer did not
        // count ("Time is up" alone did not say the team's answer was lost).
        sent.late = true;
        render(); // said above the question, where "Sending" was
        return;
      }
      if (sent && error.ref === sent.id) {
        sent = ["already_answered", "already_picked"].includes(error.code) ? Object.assign(sent, { done: true, label: "" }) : null;
        render();
      }
      message(error.message, "warning");
    },
    onMessage: (frame) => {
      if (frame.type === "team.answered" && frame.team === you.team) { teamAnswer = frame; if (state) render(); }
    },
    onStatus: (status) => {
      $("connection").textContent = t[status];
      $("connection").className = "badge " + { online: "text-bg-success", offline: "text-bg-warning", ended: "text-bg-danger" }[status];
      online = status === "online";
      // An answer on its way says whether it can go (only then: a render redraws the controls,
      // and would untick what the player is choosing).
      if (state && sent && !sent.done) render();
    },
  });

  function message(text, kind) {
    const alert = document.createElement("div");
    alert.className = "alert alert-" + kind + " py-2 mb-0";
    alert.textContent = text;
    const feedback = $("feedback");
    if (feedback.textContent === text && feedback.firstChild.className === alert.className) return; // said already
    feedback.replaceChildren(alert);
  }

  // Who may answer comes with the question, from its round type's rules on the server: the
  // teams in `answer_teams` (null: every team), and in such a team anyone or the baton holder.
  function teamMayAnswer(q) {
    return Boolean(you.team) && (!q.answer_teams || q.answer_teams.includes(you.team));
  }

  function mayAnswer(q) {
    if (q.phase !== "open" || !teamMayAnswer(q) || q.answered.includes(you.team)) return false;
    if (q.round.answered_by === "baton") { const holder = batonHolder(q); return Boolean(holder) && holder.member === you.member; }
    return true;
  }

  // The relay baton for question k is with leg (k - 1) mod legs of the team, passed on by each of
  // the team's hand-overs, in the order made, from its holder then and from this question or an
  // earlier one (the server's rule, services.baton_in_turn; protocol 9).
  function batonHolder(q) {
    const legs = you.legs || [];
    if (!legs.length) return null;
    let holder = legs[(q.position - 1) % legs.length];
    const r = q.round.position, k = q.position;
    (state.handovers || []).forEach((h) => {
      if (h.team === you.team && h.from === holder.member && (r > h.round || (r === h.round && k >= h.position))) holder = { member: h.to, name: h.to_name };
    });
    return holder;
  }

  // `key`: the same control drawn again by the next frame keeps the keyboard's place (liveKeepFocus).
  function button(label, onClick, cls, key) {
    const b = document.createElement("button");
    b.type = "button";
    b.dataset.focusKey = key || label;
    b.className = "btn btn-lg w-100 mb-2 " + (cls || "btn-outline-primary");
    b.textContent = label;
    b.addEventListener("click", onClick);
    return b;
  }

  // Send one answer or stake for this question; the buttons give way at once to what was sent.
  function act(q, kind, frame, label) {
    if (sent && sent.opening === q.opening && sent.kind === kind) return;
    sent = { opening: q.opening, kind: kind, id: null, label: label, done: false };
    sent.id = live.send(frame);
    render();
  }

  const fill = (text, answer) => text.replace("{answer}", answer);

  // What this phone sent: received, on its way, not sent (no connection: it goes again on
  // reconnecting), or not received in time (the question closed meanwhile).
  function sentNote(q, kind) {
    if (!sent || sent.opening !== q.opening || sent.kind !== kind) return null;
    if (sent.late) return fill(t.notintime, sent.label);
    if (sent.done) return sent.label ? (kind === "pick" ? t.yourstake : t.sent) + t.colon + sent.label : kind === "pick" ? t.yourstake : t.sent;
    if (!online) return fill(t.notsent, sent.label);
    return sent.label ? fill(t.sendinglabel, sent.label) : t.sending;
  }

  // "Your team answered: B (by 张三)" once the team's answer to this question is stored.
  function teamNote(q) {
    if (!teamAnswer || teamAnswer.opening !== q.opening) return null;
    return t.teamanswered.replace("{answer}", responseText(q, teamAnswer.response)).replace("{name}", teamAnswer.name);
  }

  // This phone's own answer says what it sent; a teammate's (or a tap refused because the team
  // had answered) says who answered what.
  function answerNote(q) {
    const mine = sentNote(q, "answer");
    return (sent && sent.label && mine) || teamNote(q) || mine;
  }

  // A stored (canonical) response as people read it: letters, true/false, or the blanks.
  function responseText(q, response) {
    if (q.type === "true_false") return response[0] ? t.true : t.false;
    if (q.type === "fill_blank") return liveBlanks(response);
    return response.join("");
  }

  function answerControls(q) {
    // The options are one group, named by the question they answer.
    const box = document.createElement("div");
    box.setAttribute("role", "group");
    box.setAttribute("aria-labelledby", "stem");
    const submit = (response, label) =>
      act(q, "answer", { type: "answer.submit", answer_id: live.newAnswerId(), opening: q.opening, response: response }, label);
    const letters = (chosen) => chosen.join("");
    // A tap on Submit with nothing ticked or typed would spend the team's one answer (the relay
    // leg) on a blank: say what is missing instead of sending it.
    const say = (text) => {
      let note = box.querySelector(".qs-pick-first");
      if (!note) {
        note = document.createElement("div");
        note.className = "qs-pick-first text-danger small mb-2";
        note.setAttribute("role", "alert");
        box.append(note);
      }
      note.textContent = text;
    };
    const submitFilled = (response, label) => {
      if (!response.some((part) => part.trim())) return say(t.pickfirst);
      // A fill-in with a blank left empty beside a filled one goes on the second tap: the first
      // names the empty blanks (typing takes the question back).
      const empty = q.type === "fill_blank" ? response.map((part, i) => (part.trim() ? 0 : i + 1)).filter(Boolean) : [];
      if (empty.length && !box.dataset.confirmBlanks) {
        box.dataset.confirmBlanks = "1";
        box.addEventListener("input", () => { delete box.dataset.confirmBlanks; }, { once: true });
        return say(t.blanksempty.replace("%(n)s", empty.join(t.separator)));
      }
      return submit(response, label);
    };
    if (q.type === "single") q.options.forEach((o) => box.append(button(o.letter + "  " + o.text, () => submit(o.letter, o.letter))));
    else if (q.type === "true_false") { box.append(button("✓ " + t.true, () => submit("对", t.true))); box.append(button("✗ " + t.false, () => submit("错", t.false))); }
    else if (q.type === "multiple") {
      const hint = document.createElement("div");
      hint.className = "qs-pick-all small fw-semibold mb-2";
      hint.textContent = t.pickall;
      box.append(hint);
      q.options.forEach((o) => {
        const label = document.createElement("label");
        label.className = "qs-option";
        label.innerHTML = '<input class="form-check-input" type="checkbox" value="' + o.letter + '" data-focus-key="pick-' + o.letter + '"><span class="qs-letter">' + o.letter + "</span>";
        label.append(document.createTextNode(o.text));
        box.append(label);
      });
      box.append(button(t.submit, () => { const chosen = Array.from(box.querySelectorAll("input:checked")).map((i) => i.value); submitFilled(chosen, letters(chosen)); }, "btn-primary"));
    } else {
      // Each blank as a practice paper's (templates/lessons/_blank_input.html): the server's most
      // characters, counted in a note near the limit, which also says when a paste was cut. What
      // is typed is kept for the question across redraws (a frame, a refusal), so nothing is lost.
      if (!drafts || drafts.opening !== q.opening) drafts = { opening: q.opening, values: [] };
      const limit = Number(root.dataset.blankMax);
      for (let i = 0; i < q.blanks; i++) {
        const wrap = document.createElement("div");
        wrap.className = "qs-blank mb-2";
        const input = document.createElement("input");
        input.className = "form-control form-control-lg";
        input.type = "text";
        input.dataset.focusKey = "blank-" + i;
        input.autocomplete = "off";
        input.placeholder = t.blank + " " + (i + 1);
        input.setAttribute("aria-label", input.placeholder); // a placeholder alone is no name once typed over
        input.maxLength = limit;
        input.value = drafts.values[i] || "";
        // Over the limit only if the server refused it (a page that took more): say which blank.
        const over = input.value.trim().length > limit;
        input.classList.toggle("is-invalid", over);
        input.setAttribute("aria-invalid", String(over));
        input.addEventListener("input", () => { drafts.values[i] = input.value; });
        const note = document.createElement("div");
        note.className = "form-text qs-length-note";
        note.setAttribute("aria-live", "polite");
        note.hidden = true;
        note.dataset.count = t.blankcount;
        note.dataset.cut = t.blankcut;
        wrap.append(input, note);
        box.append(wrap);
        window.lengthNote(input);
      }
      box.append(button(t.submit, () => { const blanks = Array.from(box.querySelectorAll(".qs-blank input")).map((i) => i.value); submitFilled(blanks, liveBlanks(blanks)); }, "btn-primary"));
    }
    return box;
  }

  function render() {
    liveKeepFocus(draw);
  }

  // The line above the question (#stage-message) and the verdict or refusal below it
  // (#feedback) are polite live regions: written only when what they say changes, or a new
  // question opens, so a screen reader says each change once (a question shown or opened, the
  // answer on its way and received, answers closed, a skip, the reveal, a pause, the end), and a
  // frame that changes nothing of them (a teammate's phone, the scores) says nothing again. The
  // countdown is a timer, not read out.
  let stageFor = null; // the opening the stage line was last written for
  function stage(text) {
    const opening = state && state.question ? state.question.opening : null;
    if ($("stage-message").textContent === text && stageFor === opening) return;
    stageFor = opening;
    $("stage-message").textContent = text;
  }

  function draw() {
    countdown(); // at once, not at the next tick: a closed question shows no time left
    const q = state.question;
    // Phones get the top of the board by name and every team's [id, score, rank] in standings.
    const standings = state.standings || [];
    const at = standings.findIndex(([id]) => id === you.team);
    const mine = at < 0 ? null : standings[at];
    // Ahead of the next team on time alone: level on score, a better rank (as `ahead_on_time`).
    const below = mine && standings[at + 1];
    const mineOnTime = Boolean(below && below[1] === mine[1] && below[2] !== mine[2]);
    const teamName = liveName({ name: you.team_name, name_en: you.team_name_en });
    $("my-team").textContent = mine ? teamName + " · " + mine[1] + " " + t.points + " · " + t.place.replace("{n}", mine[2]) + (mineOnTime ? " · " + t.aheadontime : "") : "";
    const board = (state.teams || []).map((x) => [x.rank, liveName(x), x.score, x.id === you.team, x.ahead_on_time]);
    if (mine && !board.some((row) => row[3])) board.push([mine[2], teamName, mine[1], true, mineOnTime]);
    $("scores").replaceChildren(...board.map(([rank, name, score, own, onTime]) => {
      const li = document.createElement("li");
      li.className = "list-group-item d-flex justify-content-between" + (own ? " fw-bold" : "");
      li.innerHTML = "<span></span><span></span>";
      li.firstChild.textContent = rank + ". " + name;
      if (onTime) li.firstChild.append(" ", liveTieNote());
      li.lastChild.textContent = score;
      return li;
    }));
    const controls = $("controls");
    controls.replaceChildren();
    if (state.contest.status === "finished") {
      stage(t.finished); $("stem").textContent = ""; $("round-label").textContent = ""; $("feedback").replaceChildren();
      return;
    }
    if (!q || q.phase === "idle") { stage(state.contest.status === "paused" ? t.paused : t.waiting); $("stem").textContent = ""; $("round-label").textContent = ""; return; }
    $("round-label").textContent = liveTitle(q.round) + " · " + q.position;
    $("stem").innerHTML = q.stem; // sanitised on the server
    if (!sent || sent.opening !== q.opening) { sent = null; $("feedback").replaceChildren(); }
    const fouled = q.round.takes_buzzes && q.fouls.includes(you.team);
    if (state.contest.status === "paused") {
      // Nothing is taken while paused: say so, with the question kept on the phone to read.
      stage(t.paused);
    } else if (q.phase === "reading") {
      stage(fouled ? t.foul : t.reading);
      if (q.round.takes_buzzes && !fouled) controls.append(button(t.buzz, () => live.send({ type: "buzz" }), "btn-danger qs-buzz"));
    } else if (q.phase === "picking") {
      const picked = sentNote(q, "pick");
      stage(picked || t.picking);
      if (!picked && !q.picked.includes(you.team)) {
        const stakes = document.createElement("div");
        stakes.setAttribute("role", "group");
        stakes.setAttribute("aria-labelledby", "stage-message");
        q.round.risk_tiers.forEach((v) => stakes.append(button(t.staked + " " + v, () => act(q, "pick", { type: "risk.pick", value: v }, String(v)))));
        stakes.append(button(t.abstain, () => act(q, "pick", { type: "risk.pick", value: 0 }, t.abstain), "btn-outline-secondary"));
        controls.append(stakes);
      }
    } else if (q.phase === "open") {
      const note = answerNote(q);
      if (note) {
        stage(note);
      } else if (fouled) {
        stage(t.foul);
      } else if (q.round.takes_buzzes && q.buzz_winner && q.buzz_winner !== you.team) {
        stage(t.buzzlost);
      } else if (q.round.takes_buzzes && !q.buzz_winner) {
        stage("");
        controls.append(button(t.buzz, () => live.send({ type: "buzz" }), "btn-danger qs-buzz"));
      } else if (mayAnswer(q)) {
        stage(t.yourturn);
        controls.append(answerControls(q));
      } else if (!teamMayAnswer(q)) {
        stage(q.round.left_out_note ? t[q.round.left_out_note] : "");
      } else if (q.round.answered_by === "baton" && batonHolder(q) && !q.answered.includes(you.team)) {
        stage(t.turn + " " + batonHolder(q).name);
      } else {
        stage(q.answered.includes(you.team) ? t.sent : "");
      }
    } else if (q.phase === "closed") {
      // Closed for everyone: say so, after the team's answer (this phone's own, or the snapshot's
      // after a reload: the page forgot what it sent), or say that this phone's did not go in
      // time. "Answers are closed" goes on this phone's own answer too: the line kept only
      // "Answer received: A", unchanged, so a screen reader heard nothing of the close.
      const mine = sent && sent.label ? sentNote(q, "answer") : null;
      stage(mine && sent.late ? mine : [mine || teamNote(q), t.closed].filter(Boolean).join(" · "));
    } else if (q.phase === "skipped") {
      stage(t.skipped);
    } else if (q.phase === "revealed") {
      const result = q.reveal.results[String(you.team)];
      stage("");
      const verdict = result === true ? t.right : result === false ? t.wrong : "";
      // What the team answered beside the key: "Not right" alone does not say how far off it was.
      const late = sent && sent.late && sent.opening === q.opening ? fill(t.notintime, sent.label) : "";
      const ours = teamAnswer && teamAnswer.opening === q.opening ? t.yourteam + t.colon + responseText(q, teamAnswer.response)
        : late || (teamMayAnswer(q) && result === undefined ? t.noanswer : "");
      message([verdict, ours, t.answer + t.colon + keyText(q)].filter(Boolean).join(" · "), result ? "success" : "secondary");
    }
  }

  function keyText(q) {
    const key = q.reveal.key;
    if (q.type === "true_false") return key[0] ? t.true : t.false;
    if (q.type === "fill_blank") return liveBlanks(key);
    return key.join("");
  }

  function countdown() {
    const q = state && state.question;
    // While paused the question keeps its remaining time: the clock stands at it.
    const paused = q && q.paused_remaining_ms !== null ? Math.ceil(q.paused_remaining_ms / 1000) : null;
    const left = q && q.phase === "open" ? liveRemaining(q.deadline_at, live.serverNow) ?? paused : null;
    $("countdown").textContent = left === null ? "" : left + "s";
  }

  setInterval(countdown, 200);
})();
