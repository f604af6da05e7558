// The big screen: question, server-synchronised countdown, baton, scoreboard, reveal, podium.
(function () {
  "use strict";
  const root = document.getElementById("screen");
  const t = Object.assign({}, document.getElementById("live-texts").dataset, document.getElementById("screen-texts").dataset);
  const $ = (id) => document.getElementById(id);
  let state = null;
  const previousScores = new Map();

  const live = LiveContest({
    code: root.dataset.code,
    role: "screen",
    onState: (frame) => {
      // Progress inside a question (protocol 6) leaves out the board: keep the one we have.
      if (!("teams" in frame) && state) frame.teams = state.teams;
      state = frame;
      render();
    },
  });

  function teamName(id) {
    const team = state.teams.find((x) => x.id === id);
    return team ? team.name : "";
  }

  function render() {
    const q = state.question;
    const finished = state.contest.status === "finished";
    $("idle").hidden = Boolean(q) || finished;
    $("question").hidden = !q || finished;
    $("podium").hidden = !finished;
    renderBoard();
    if (finished) return renderPodium();
    if (!q) { $("round-label").textContent = ""; return; }
    $("round-label").textContent = q.round.title + " · " + q.position;
    $("phase").textContent = t[q.phase] || "";
    $("phase").className = "qs-screen-phase is-" + q.phase;
    $("stem").innerHTML = q.stem; // sanitised on the server
    const reveal = q.reveal;
    $("options").replaceChildren(...q.options.map((o) => {
      const li = document.createElement("li");
      li.innerHTML = "<b></b><span></span><em></em>";
      li.children[0].textContent = o.letter;
      li.children[1].textContent = o.text;
      if (reveal) {
        if (reveal.key.includes(o.letter)) li.className = "is-key";
        const count = Object.entries(reveal.distribution).filter(([label]) => label.includes(o.letter)).reduce((s, [, n]) => s + n, 0);
        li.children[2].textContent = count ? "× " + count : "";
      }
      return li;
    }));
    if (reveal && (q.type === "true_false" || q.type === "fill_blank")) {
      const li = document.createElement("li");
      li.className = "is-key";
      li.textContent = q.type === "true_false" ? (reveal.key[0] ? t.true : t.false) : reveal.key.map((a) => a.join(" / ")).join("；");
      $("options").append(li);
    }
    const notes = [];
    if (q.baton) Object.entries(q.baton).forEach(([team, holder]) => notes.push(t.baton + " · " + teamName(Number(team)) + ": " + holder.name));
    if (q.buzz_winner) notes.push(teamName(q.buzz_winner) + " " + t.buzzed);
    if (q.answered.length) notes.push(q.answered.map(teamName).join("、") + " " + t.answered);
    $("baton").textContent = notes.join("　·　");
  }

  function renderBoard() {
    $("scoreboard").replaceChildren(...state.teams.map((team) => {
      const li = document.createElement("li");
      li.innerHTML = "<span class='rank'></span><span class='name'></span><span class='score'></span>";
      li.children[0].textContent = team.rank;
      li.children[1].textContent = team.name;
      li.children[2].textContent = team.score;
      const before = previousScores.get(team.id);
      if (before !== undefined && before !== team.score) li.classList.add(team.score > before ? "is-up" : "is-down");
      previousScores.set(team.id, team.score);
      return li;
    }));
  }

  function renderPodium() {
    $("podium").replaceChildren(...state.teams.slice(0, 3).map((team, i) => {
      const div = document.createElement("div");
      div.className = "place place-" + (i + 1);
      div.innerHTML = "<div class='medal'></div><div class='name'></div><div class='score'></div>";
      div.children[0].classList.add("medal-" + (i + 1));
      div.children[0].textContent = team.rank;
      div.children[1].textContent = team.name;
      div.children[2].textContent = team.score;
      return div;
    }));
  }

  setInterval(() => {
    const q = state && state.question;
    const left = q && q.phase === "open" ? liveRemaining(q.deadline_at, live.serverNow) : null;
    $("countdown").textContent = left === null ? "" : left;
    $("countdown").classList.toggle("is-urgent", left !== null && left <= 5);
  }, 200);
})();
