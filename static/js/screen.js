// The big screen: question, server-synchronised countdown, baton, scoreboard, reveal, podium.
(function () {
  "use strict";
  const root = document.getElementById("screen");
  const t = Object.assign({}, document.getElementById("live-texts").dataset, document.getElementById("screen-texts").dataset);
  const $ = (id) => document.getElementById(id);
  // The join code's size follows its length (app.css): all of it fits its column.
  $("join-code").style.setProperty("--qs-code-chars", $("join-code").textContent.trim().length);
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
    return team ? liveName(team) : "";
  }

  function render() {
    const q = state.question;
    const finished = state.contest.status === "finished";
    $("idle").hidden = Boolean(q) || finished;
    $("question").hidden = !q || finished;
    $("podium").hidden = !finished;
    renderBoard();
    if (finished) { $("round-label").textContent = ""; return renderPodium(); }
    if (!q) { $("round-label").textContent = ""; return; }
    $("round-label").textContent = liveTitle(q.round) + " · " + q.position;
    // A pause says so above the question, whatever its phase: the hall must not think time runs.
    const shown = state.contest.status === "paused" ? "paused" : q.phase;
    $("phase").textContent = t[shown] || "";
    $("phase").className = "qs-screen-phase is-" + shown;
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
        // How many teams chose it, as a count ("× 1" read as a wrong mark beside the key).
        if (count) {
          li.children[2].innerHTML = "<i class='bi bi-people-fill' aria-hidden='true'></i> ";
          li.children[2].append(teamCount(count));
        }
      }
      return li;
    }));
    if (reveal && (q.type === "true_false" || q.type === "fill_blank")) {
      const li = document.createElement("li");
      li.className = "is-key";
      li.textContent = q.type === "true_false" ? (reveal.key[0] ? t.true : t.false) : liveBlanks(reveal.key);
      $("options").append(li);
    }
    $("pick-all").hidden = q.type !== "multiple";
    $("verdicts").replaceChildren(...(reveal ? verdicts(reveal.results) : []));
    // Each team's baton holder and who has answered, by name while a few teams play; with more
    // the names would run to a paragraph pushing the question out of the frame, so counted.
    const notes = [];
    const many = state.teams.length > NAMED_TEAMS;
    const holders = Object.entries(q.baton || {});
    if (holders.length && many) notes.push(t.batonCount.replace("%(count)s", holders.length));
    else holders.forEach(([team, holder]) => notes.push(t.baton + " · " + teamName(Number(team)) + t.colon + holder.name));
    if (q.buzz_winner) notes.push(teamName(q.buzz_winner) + " " + t.buzzed);
    $("fouls").replaceChildren(...fouls(q, many));
    if (q.answered.length && many) {
      const playing = (q.answer_teams || state.teams.map((team) => team.id)).length;
      notes.push(t.answeredCount.replace("%(answered)s", q.answered.length).replace("%(teams)s", playing));
    } else if (q.answered.length) notes.push(q.answered.map(teamName).join(t.listSeparator) + " " + t.answered);
    // The separator keeps to the note before it (a no-break space): a wrapped line never starts with "·".
    $("baton").textContent = notes.join("\u00a0\u00a0·\u3000");
    fit($("question").parentElement, $("question"), "--qs-fit");
  }

  // Up to this many teams, the lines under the question name them; with more they count them.
  const NAMED_TEAMS = 6;

  const teamCount = (n) => (n === 1 ? t.oneTeam : t.teams.replace("%s", n));

  // A buzz while the question was shown for reading is a foul costing the round's early-buzz
  // points: the hall sees who lost them (counted when many teams play).
  function fouls(q, many) {
    const teams = q.fouls || [];
    if (!teams.length) return [];
    const points = q.round.early_buzz_penalty;
    const lines = many && teams.length > 1 ? [t.teams.replace("%s", teams.length)] : teams.map(teamName);
    return lines.map((who) => {
      const div = document.createElement("div");
      div.className = "qs-screen-foul";
      div.innerHTML = "<i class='bi bi-exclamation-octagon-fill' aria-hidden='true'></i> ";
      div.append(t.foul.replace("%(teams)s", who).replace("%(points)s", points));
      return div;
    });
  }

  // On the reveal, which teams were right and which not, in board order (counted when many).
  function verdicts(results) {
    return [[true, t.rightTeams, "is-right"], [false, t.wrongTeams, "is-wrong"]].flatMap(([right, label, cls]) => {
      const names = state.teams.filter((x) => results[String(x.id)] === right).map((x) => liveName(x));
      if (!names.length) return [];
      const div = document.createElement("div");
      div.className = "qs-screen-verdict " + cls;
      div.innerHTML = "<b></b>";
      div.firstChild.textContent = label + t.colon;
      div.append(state.teams.length > NAMED_TEAMS ? teamCount(names.length) : names.join(t.listSeparator));
      return [div];
    });
  }

  // Shrink the question's text (the CSS variable scales its sizes) until it fits the projected
  // frame, which never scrolls. Measured before the browser paints, so nothing is seen to jump.
  // Text too long even at the smallest size is cut (CSS, is-overflowing): a question's stem gives
  // way, so its start, the options and the revealed key stay in the frame.
  function fit(box, content, variable) {
    let scale = 1;
    box.classList.remove("is-overflowing");
    box.style.setProperty(variable, scale);
    while (content.offsetHeight > box.clientHeight && scale > 0.4) {
      scale -= 0.05;
      box.style.setProperty(variable, scale.toFixed(2));
    }
    box.classList.toggle("is-overflowing", content.offsetHeight > box.clientHeight);
  }

  // The board keeps a size readable from the back of the hall. When its teams do not all fit,
  // it shows a page at a time, turning every few seconds, and says which ("13–23 / 23").
  const BOARD_PAGE_MS = 8000;
  let boardPages = [];
  let boardPage = 0;

  function renderBoard() {
    $("scoreboard").replaceChildren(...state.teams.map((team) => {
      const li = document.createElement("li");
      li.innerHTML = "<span class='rank'></span><span class='name'></span><span class='score'></span>";
      li.children[0].textContent = team.rank;
      li.children[1].textContent = liveName(team);
      if (team.ahead_on_time) li.children[1].append(" ", liveTieNote());
      li.children[2].textContent = team.score;
      const before = previousScores.get(team.id);
      if (before !== undefined && before !== team.score) li.classList.add(team.score > before ? "is-up" : "is-down");
      previousScores.set(team.id, team.score);
      return li;
    }));
    paginateBoard();
  }

  // A name too long for its two lines (English unit names run long: "Fiscal Audit Department
  // First Party Branch ...") takes up to four rather than losing its end, which often tells
  // two teams apart; the size stays readable from the back of the hall. Read in one pass, then
  // written: one layout.
  // The podium's steps go one further (`steps`): a name still cut on four lines takes as many as
  // it needs at the board's size. Each step is one read of every name, then one write.
  function fitNames(list, steps = ["is-long"]) {
    // Clipped by more than half a line (a line's glyphs may overhang its box by a pixel or two).
    const cut = (name) => name.scrollHeight - name.clientHeight > parseFloat(getComputedStyle(name).lineHeight) / 2;
    let names = [...list.querySelectorAll(".name")];
    steps.forEach((step) => {
      names = names.filter(cut);
      names.forEach((name) => name.classList.add(step));
    });
  }

  // Split the board's rows into pages of what fits its box (rows are measured: a long name takes
  // two lines), keeping the page shown if it still exists.
  function paginateBoard() {
    const board = $("scoreboard");
    const box = board.parentElement;
    const pager = $("board-pager");
    const rows = [...board.children];
    rows.forEach((row) => { row.hidden = false; });
    fitNames(board); // on each render and each resize: the web font may have come since
    const rects = rows.map((row) => row.getBoundingClientRect()); // fractional: offsets round
    const split = (room) => {
      const pages = [];
      let start = 0;
      rects.forEach((rect, index) => {
        if (index > start && rect.bottom - rects[start].top > room) {
          pages.push([start, index]);
          start = index;
        }
      });
      return rows.length ? [...pages, [start, rows.length]] : [];
    };
    pager.hidden = true;
    const height = box.getBoundingClientRect().height;
    boardPages = split(height);
    if (boardPages.length > 1) {
      pager.hidden = false;
      boardPages = split(height - pager.getBoundingClientRect().height);
    }
    if (boardPage >= boardPages.length) boardPage = 0;
    showBoardPage();
  }

  function showBoardPage() {
    const rows = [...$("scoreboard").children];
    const [start, end] = boardPages[boardPage] || [0, rows.length];
    rows.forEach((row, index) => { row.hidden = index < start || index >= end; });
    $("board-pager").textContent = boardPages.length > 1 ? `${start + 1}–${end} / ${rows.length}` : "";
  }

  // Split again when the board's box changes height (the header gains the round and the clock)
  // or its rows do after they were measured (a row's name settling on two lines).
  const boardObserver = new ResizeObserver(() => { if (state) paginateBoard(); });
  boardObserver.observe($("scoreboard").parentElement);
  boardObserver.observe($("scoreboard"));

  setInterval(() => {
    if (boardPages.length < 2) return;
    boardPage = (boardPage + 1) % boardPages.length;
    showBoardPage();
  }, BOARD_PAGE_MS);

  // At most this many teams stand on one step: nine teams tied for first would be nine slivers
  // of names. The others sharing that rank are counted under the steps.
  const PODIUM_STEP = 3;

  // The top three places, as the board has them: teams sharing a rank stand on one step of one
  // height, in the board's order (which may be by relay time); 2nd left, 1st middle, 3rd right.
  function renderPodium() {
    const heading = document.createElement("h2");
    heading.className = "qs-screen-podium-title";
    heading.textContent = t.finalResults;
    const standing = [];
    const more = new Map(); // rank -> teams sharing it beyond the step's room, by rank
    state.teams.filter((team) => team.rank <= 3).forEach((team) => {
      if (standing.filter((other) => other.rank === team.rank).length < PODIUM_STEP) standing.push(team);
      else more.set(team.rank, (more.get(team.rank) || 0) + 1);
    });
    const notes = [...more].map(([rank, count]) => {
      const note = document.createElement("p");
      note.className = "qs-screen-podium-more";
      note.textContent = (count === 1 ? t.oneMoreTied : t.moreTied).replace("%(count)s", count).replace("%(rank)s", rank);
      return note;
    });
    const steps = document.createElement("div");
    steps.className = "qs-screen-steps" + (standing.length > 3 ? " is-crowded" : "");
    steps.replaceChildren(...standing.map((team) => {
      const div = document.createElement("div");
      div.className = "place place-" + team.rank;
      div.innerHTML = "<div class='medal'></div><div class='name'></div><div class='score'></div>";
      // The medal is the rank's: teams level on score and time share it (and its colour).
      div.children[0].classList.add("medal-" + team.rank);
      div.children[0].textContent = team.rank;
      div.children[1].textContent = liveName(team);
      div.children[2].textContent = team.score;
      if (team.ahead_on_time) div.children[2].append(" ", liveTieNote());
      return div;
    }));
    $("podium").replaceChildren(heading, steps, ...notes);
    fitPodium();
  }

  // A long name on a step ("Southern Power Grid Audit Team Temporary Party Branch") is shown
  // whole, as on the board beside it: on four lines, then on as many as it needs at the board's
  // size (1.6vw, 31 px at 1920), never cut at two with an ellipsis. Again when the podium's box changes (the
  // window, or the podium shown).
  function fitPodium() {
    const podium = $("podium");
    podium.querySelectorAll(".name").forEach((name) => name.classList.remove("is-long", "is-longer"));
    fitNames(podium, ["is-long", "is-longer"]);
  }
  new ResizeObserver(() => { if (!$("podium").hidden) fitPodium(); }).observe($("podium"));

  // A paused question's clock stands at the time it keeps for the resume.
  function pausedLeft(q) {
    return q.paused_remaining_ms === null ? null : Math.ceil(q.paused_remaining_ms / 1000);
  }

  setInterval(() => {
    const q = state && state.question;
    const left = q && q.phase === "open" ? liveRemaining(q.deadline_at, live.serverNow) ?? pausedLeft(q) : null;
    $("countdown").textContent = left === null ? "" : left;
    $("countdown").classList.toggle("is-urgent", left !== null && left <= 5);
  }, 200);
})();
