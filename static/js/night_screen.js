// The speech night's big screen: the draw, the speaker on stage with each judge's score as it
// arrives, the extremes struck out and the final at the lock, the board, the final results.
(function () {
  "use strict";
  const root = document.getElementById("night-screen");
  const texts = document.getElementById("night-texts").dataset;
  // data-phase-scoring is dataset.phaseScoring: look texts up by their attribute's name.
  const t = new Proxy(texts, { get: (target, key) => target[String(key).replace(/-([a-z])/g, (_, c) => c.toUpperCase())] || "" });
  const $ = (id) => document.getElementById(id);
  const fill = (text, value) => text.replace("%s", value);
  let state = null;

  const live = LiveContest({ path: root.dataset.path, role: "screen", onState: (frame) => { state = frame; render(); } });

  function show(view) {
    ["waiting", "order-view", "speaker-view", "board-view", "final-view"].forEach((id) => { $(id).hidden = id !== view; });
  }

  function item(className, parts) {
    const li = document.createElement("li");
    if (className) li.className = className;
    parts.forEach(([tag, cls, text]) => {
      const el = document.createElement(tag);
      el.className = cls;
      el.textContent = text;
      li.append(el);
    });
    return li;
  }

  function render() {
    const night = state.night;
    const stage = night.stage;
    $("stage-label").textContent = { board: t.board, final: t.results }[stage] || "";
    if (stage === "waiting" || !state.speakers.length) {
      show("waiting");
      $("waiting-text").textContent = t.waiting;
      $("entrants").textContent = fill(t.entrants, state.entrants);
    } else if (stage === "order") {
      show("order-view");
      $("order-heading").textContent = t.order;
      $("order").replaceChildren(...state.speakers.map((s, i) => {
        const li = item("", [["b", "pos", s.position], ["span", "name", s.name], ["span", "title", s.title], ["span", "unit", window.liveName({ name: s.unit, name_en: s.unit_en })]]);
        li.style.animationDelay = (i * 0.35) + "s";
        return li;
      }));
      $("seed").textContent = t.seed + ": " + night.seed;
    } else if (stage === "speaker" && state.current) {
      show("speaker-view");
      renderSpeaker(state.current);
    } else if (stage === "board") {
      show("board-view");
      $("board-heading").textContent = t.board;
      $("board").replaceChildren(...state.board.map((row) => item("", [["b", "rank", row.rank], ["span", "name", row.name], ["span", "title", row.title], ["span", "score", row.final]])));
    } else if (stage === "final") {
      show("final-view");
      renderPodium();
    }
  }

  function renderSpeaker(current) {
    $("phase").textContent = t["phase-" + current.phase] || "";
    $("phase").className = "qs-screen-phase is-" + (current.phase === "scoring" ? "open" : current.phase === "locked" ? "revealed" : current.phase);
    $("position").textContent = fill(t["speaker-no"], current.position) + " · " + window.liveName({ name: current.unit, name_en: current.unit_en });
    $("speaker-name").textContent = current.name;
    $("speaker-title").textContent = current.title;
    const values = new Map(current.scores.map((s) => [s.seat, s]));
    $("scores").replaceChildren(...state.judges.map((judge) => {
      const score = values.get(judge.seat);
      const conflicted = current.conflicted.includes(judge.seat);
      const scored = current.scored.includes(judge.seat);
      let text = "–";
      if (conflicted) text = "—";
      else if (score) text = score.value;
      else if (scored) text = "✓";
      let className = "";
      if (score && score.dropped) className = "is-dropped";
      else if (score) className = "is-in";
      else if (scored) className = "is-scored";
      if (conflicted) className = "is-conflicted";
      const li = item(className, [["span", "seat", fill(t.seat, judge.seat)], ["b", "value", text]]);
      if (conflicted) li.title = t.conflicted;
      return li;
    }));
    $("final").hidden = !current.final;
    $("final-label").textContent = t.final;
    $("final-value").textContent = current.final || "";
  }

  // The first three of the board stand on the podium; speakers tied with them beyond those three
  // are counted under it, by rank, rather than left out without a word.
  function renderPodium() {
    const more = new Map();
    state.board.slice(3).filter((row) => row.rank <= 3).forEach((row) => more.set(row.rank, (more.get(row.rank) || 0) + 1));
    const notes = [...more].map(([rank, count]) => {
      const note = document.createElement("p");
      note.className = "qs-screen-podium-more";
      note.textContent = (count === 1 ? t.oneMoreTied : t.moreTied).replace("%(count)s", count).replace("%(rank)s", rank);
      return note;
    });
    const top = state.board.slice(0, 3).map((row, i) => {
      const div = document.createElement("div");
      div.className = "place place-" + (i + 1);
      div.innerHTML = "<div class='medal'></div><div class='name'></div><div class='title'></div><div class='score'></div>";
      div.children[0].classList.add("medal-" + Math.min(row.rank, 3));
      div.children[0].textContent = row.rank;
      div.children[1].textContent = row.name;
      div.children[2].textContent = row.title;
      div.children[3].textContent = row.final;
      return div;
    });
    $("final-view").replaceChildren(...top, ...notes);
  }

  setInterval(() => {
    const current = state && state.current;
    const open = current && current.opened_at && !current.locked_at && state.night.stage === "speaker";
    const left = open ? liveRemaining(current.deadline_at, live.serverNow) : null;
    $("countdown").textContent = left === null ? "" : left;
    $("countdown").classList.toggle("is-urgent", left !== null && left <= 10);
  }, 200);
})();
