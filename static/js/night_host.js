// The speech night's host console: the draw, calling speakers, the scoring window, the lock,
// the board, the final results; every judge's score with its name as it arrives.
(function () {
  "use strict";
  const root = document.getElementById("night-host");
  const texts = document.getElementById("night-texts").dataset;
  // data-phase-scoring is dataset.phaseScoring: look texts up by their attribute's name.
  const t = new Proxy(texts, { get: (target, key) => target[String(key).replace(/-([a-z])/g, (_, c) => c.toUpperCase())] || "" });
  const $ = (id) => document.getElementById(id);
  const fill = (text, value) => text.replace("%s", value);
  let state = null;
  const labels = new Map(); // frame id -> the button the host pressed, as the console says it

  const live = LiveContest({
    path: root.dataset.path,
    role: "host",
    onState: (frame) => { state = frame; render(); },
    onStatus: (status) => {
      $("connection").textContent = t[status];
      $("connection").className = status === "online" ? "text-success" : "text-danger";
    },
    // A command still unanswered when the connection dropped was sent again on reconnecting,
    // or, after a longer outage, given up (live.js): say which.
    onAck: (ack, resent) => {
      const label = answered(ack.ref);
      if (resent) note(fill(t.resent, label), "success");
      else $("host-message").replaceChildren();
    },
    onError: (frame) => { answered(frame.ref); note(frame.message, "warning"); },
    onDropped: (frame) => note(fill(t["not-sent"], answered(frame.id)), "warning"),
  });
  function note(text, kind) {
    const div = document.createElement("div");
    div.className = "alert alert-" + kind + " py-1 px-2 mb-0 small";
    div.textContent = text;
    $("host-message").replaceChildren(div);
  }
  function answered(ref) {
    const label = labels.get(ref) || "";
    labels.delete(ref);
    return label;
  }
  $("judge-url").textContent = root.dataset.judgeUrl;

  document.querySelectorAll("#controls [data-command]").forEach((button) => {
    button.addEventListener("click", () => {
      const frame = { type: button.dataset.command };
      if (frame.type === "night.draw") frame.seed = $("seed").value.trim();
      // An id of its own: the server carries the command out once however often it arrives (protocol 8).
      frame.command_id = live.newCommandId();
      labels.set(live.send(frame), button.textContent.trim());
    });
  });

  function render() {
    const night = state.night;
    const current = state.current;
    $("status").textContent = t["status-" + night.status] || "";
    const drawn = Boolean(night.seed);
    $("seed").hidden = drawn;
    const settings = document.getElementById("night-settings");
    if (settings) settings.hidden = drawn; // fixed once the order is drawn
    $("draw-button").hidden = drawn;
    $("seed-shown").textContent = drawn ? "(" + t.seed + ": " + night.seed + ")" : "";
    const locked = !current || current.locked_at;
    $("call-button").disabled = !drawn || !locked || night.status === "finished" || state.speakers.every((s) => s.phase !== "waiting");
    $("open-button").disabled = !current || Boolean(current.opened_at);
    $("lock-button").disabled = !current || !current.opened_at || Boolean(current.locked_at);
    $("board-button").disabled = !current || !current.locked_at;
    $("finish-button").disabled = !drawn || night.status === "finished" || state.speakers.some((s) => s.phase !== "locked");
    if (current) {
      $("where").textContent = fill(t["speaker-no"], current.position) + " · " + (t["phase-" + current.phase] || "");
      $("speaker-name").textContent = current.name;
      $("speaker-title").textContent = current.title + " · " + window.liveName({ name: current.unit, name_en: current.unit_en });
    } else {
      $("where").textContent = drawn ? t["wait-speaker"] : fill(t.entrants, state.entrants);
    }
    const values = new Map(current ? current.scores.map((s) => [s.seat, s]) : []);
    $("judges").replaceChildren(...state.judges.map((judge) => {
      const tr = document.createElement("tr");
      const score = values.get(judge.seat);
      let text = "";
      if (current && current.conflicted.includes(judge.seat)) text = t.conflicted;
      else if (score) text = score.value + (current.locked_at && score.dropped ? " (" + t.dropped + ")" : "");
      else if (current) text = t["not-yet"];
      [fill(t.seat, judge.seat), judge.name, text].forEach((value, i) => {
        const td = document.createElement("td");
        td.textContent = value;
        if (i === 2) td.className = "text-end" + (score && score.dropped && current.locked_at ? " text-decoration-line-through qs-muted" : "");
        tr.append(td);
      });
      tr.dataset.seat = judge.seat;
      return tr;
    }));
    $("provisional").textContent = current && current.provisional ? (current.final ? t.final : t.provisional) + " " + current.provisional : "";
    $("order").replaceChildren(...state.speakers.map((s) => {
      const li = document.createElement("li");
      li.className = "list-group-item d-flex gap-2" + (current && current.speaker === s.id ? " active" : "");
      li.innerHTML = "<span class='flex-grow-1'><b></b> <span class='small'></span></span><span class='fw-bold'></span>";
      li.querySelector("b").textContent = s.name;
      li.querySelector(".small").textContent = s.title;
      li.lastChild.textContent = s.final || "";
      return li;
    }));
    $("board").replaceChildren(...state.board.map((row) => {
      const li = document.createElement("li");
      li.className = "list-group-item d-flex gap-2";
      li.innerHTML = "<span class='badge text-bg-warning'></span><span class='flex-grow-1'></span><b></b>";
      li.children[0].textContent = row.rank;
      li.children[1].textContent = row.name;
      li.children[2].textContent = row.final;
      return li;
    }));
  }

  setInterval(() => {
    const current = state && state.current;
    const left = current && current.opened_at && !current.locked_at ? liveRemaining(current.deadline_at, live.serverNow) : null;
    $("countdown").textContent = left === null ? "" : left;
  }, 250);
})();
