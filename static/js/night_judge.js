// A judge's phone on the speech night: the speaker on stage, one field per criterion of the
// rubric, the weighted total, and the score sent with a score_id (a repeat counts once). The
// judge may change the score until the host locks it; a reconnect restores it from the snapshot.
(function () {
  "use strict";
  const root = document.getElementById("night-judge");
  const texts = document.getElementById("night-texts").dataset;
  // data-phase-scoring is dataset.phaseScoring: look texts up by their attribute's name.
  const t = new Proxy(texts, { get: (target, key) => target[String(key).replace(/-([a-z])/g, (_, c) => c.toUpperCase())] || "" });
  const $ = (id) => document.getElementById(id);
  const fill = (text, value) => text.replace("%s", value);
  let state = null;
  let you = null;
  let mine = null; // {speaker, values, total}: my latest acknowledged score of the speaker on stage
  let formFor = null; // the speaker the fields were built for

  const live = LiveContest({
    path: root.dataset.path,
    role: "judge",
    onState: (frame) => {
      if (frame.you) {
        you = frame.you;
        mine = you.score;
        formFor = null; // rebuild the fields with what the server has
      }
      state = frame;
      render();
    },
    onStatus: (status) => {
      $("connection").textContent = t[status];
      $("connection").className = "badge " + (status === "online" ? "text-bg-success" : "text-bg-danger");
    },
    onAck: (frame) => {
      if (frame.action !== "score.submit") return;
      mine = { speaker: frame.speaker, values: readValues(), total: frame.total };
      $("score-submit").disabled = false;
      message("alert-success", fill(t.sent, frame.total));
      $("score-submit").textContent = t.change;
    },
    onError: (frame) => {
      $("score-submit").disabled = false;
      message("alert-warning", frame.message);
    },
  });

  function message(kind, text) {
    const div = document.createElement("div");
    div.className = "alert py-2 mb-0 " + kind;
    div.textContent = text;
    $("feedback").replaceChildren(div);
  }

  function readValues() {
    const values = {};
    $("criteria").querySelectorAll("input").forEach((input) => { values[input.dataset.criterion] = input.value.trim(); });
    return values;
  }

  function updateTotal() {
    let total = 0;
    let complete = true;
    state.criteria.forEach((c) => {
      const value = parseFloat($("criteria").querySelector("[data-criterion='" + c.id + "']").value);
      if (Number.isNaN(value)) complete = false;
      else total += value * parseFloat(c.weight);
    });
    $("total").textContent = complete ? total.toFixed(2) : "–";
  }

  function buildForm(current) {
    formFor = current.speaker;
    const saved = mine && mine.speaker === current.speaker ? mine.values : {};
    $("criteria").replaceChildren(...state.criteria.map((c) => {
      const label = document.createElement("label");
      label.className = "d-flex justify-content-between align-items-center gap-2";
      label.innerHTML = "<span><b></b> <span class='small qs-muted'></span></span><input class='form-control form-control-lg qs-night-input' type='number' inputmode='decimal' step='0.01' required>";
      label.querySelector("b").textContent = liveName(c);
      label.querySelector(".small").textContent = c.min + "–" + c.max + (c.weight !== "1" ? " × " + c.weight : "");
      const input = label.querySelector("input");
      input.dataset.criterion = c.id;
      input.min = c.min;
      input.max = c.max;
      input.value = saved[c.id] !== undefined ? saved[c.id] : "";
      input.addEventListener("input", updateTotal);
      return label;
    }));
    $("score-submit").textContent = mine && mine.speaker === current.speaker ? t.change : t.submit;
    $("feedback").replaceChildren();
    if (mine && mine.speaker === current.speaker) message("alert-success", fill(t.sent, mine.total));
    updateTotal();
  }

  $("score-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const current = state.current;
    if (!current) return;
    $("score-submit").disabled = true;
    live.send({ type: "score.submit", score_id: live.newAnswerId(), speaker: current.speaker, scores: readValues() });
  });

  function render() {
    if (you) $("my-seat").textContent = fill(t.seat, you.seat) + " · " + you.name;
    const current = state.current;
    const night = state.night;
    const scoring = current && current.phase === "scoring" && !current.locked_at;
    // From the frame, not the snapshot's `you.conflicts`: a snapshot taken before the draw has none.
    const conflicted = current && you && current.conflicted.includes(you.seat);
    if (current) {
      $("where").textContent = fill(t["speaker-no"], current.position) + " · " + window.liveName({ name: current.unit, name_en: current.unit_en });
      $("speaker-name").textContent = current.name;
      $("speaker-title").textContent = current.title;
    }
    let stage = "";
    if (night.status === "finished") stage = t.over;
    else if (!current || (current.locked_at && night.stage !== "speaker")) stage = t["wait-speaker"];
    else if (conflicted) stage = t["conflict-you"];
    else if (current.locked_at) stage = t["locked-you"] + " " + t.final + " " + current.final;
    else if (!current.opened_at) stage = t["wait-open"];
    else if (!scoring) stage = t["phase-closed"];
    $("stage-message").textContent = stage;
    $("score-form").hidden = !scoring || conflicted;
    if (scoring && !conflicted && formFor !== current.speaker) buildForm(current);
    if (!scoring) formFor = null;
    if (current && current.locked_at) $("feedback").replaceChildren();
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
    if (left === 0 && current.phase === "scoring") { current.phase = "closed"; render(); }
  }, 250);
})();
