// The micro-class player: plays HLS through hls.js (or the MP4), resumes, reports heartbeats so
// the server can count watched seconds, and on required lessons refuses to skip ahead.
(function () {
  "use strict";
  const video = document.getElementById("player");
  const state = JSON.parse(document.getElementById("player-state").textContent);
  const texts = document.getElementById("player-texts").dataset;
  const notice = document.getElementById("player-notice");
  const bar = document.getElementById("watched-bar");
  const watchedText = document.getElementById("watched-text");
  const completedBadge = document.getElementById("completed-badge");
  // One id per browser tab, kept across its pages (sessionStorage is the tab's own): a member who
  // leaves the lesson and comes straight back in the same tab is the same tab to the server, even
  // when the beat saying the page stopped playing was lost with the page (it waits its turn behind
  // a beat still on the way). Another tab, or another browser, has its own id.
  const tab = (function () {
    const fresh = (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Math.random()).slice(2);
    try {
      const kept = sessionStorage.getItem("qs-player-tab");
      if (kept) return kept;
      sessionStorage.setItem("qs-player-tab", fresh);
    } catch (error) { /* storage refused (private mode): an id for this page only */ }
    return fresh;
  })();
  // A required lesson may be sought up to where the server says the stretch watched without a
  // gap ends, or to where this page has played to without a seek.
  let allowedMax = state.furthest_s;
  let lastTime = 0;
  let stopped = false;
  let takingOver = false;  // "Watch here instead": the next playing beat moves the lesson to this tab
  let sending = Promise.resolve();
  const takeOver = document.getElementById("take-over");

  function csrfToken() {
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function say(text) { notice.textContent = text; notice.hidden = !text; }
  // A draft's preview counts nothing at any speed: it says nothing of speed either.
  function tooFast() { return !state.preview && video.playbackRate > state.max_rate; }
  function show(progress) {
    bar.style.width = progress.percent + "%";
    watchedText.textContent = texts.watched.replace("%(percent)s%%", progress.percent + "%").replace("%(seconds)s", Math.round(progress.watched_s));
    completedBadge.hidden = !progress.completed;
    allowedMax = Math.max(allowedMax, progress.furthest_s);
    if (progress.completed && texts.credited) credited();
  }
  // Completed on this page: the hours it promised are now credited (the page said "Completing
  // this lesson earns ..." until a reload), and its closing time no longer matters.
  function credited() {
    const icon = document.createElement("i");
    icon.className = "bi bi-clock-history text-success";
    document.getElementById("lesson-hours").replaceChildren(icon, " " + texts.credited);
    delete texts.credited;
  }

  // Heartbeats go one after another, in the order they were taken: the server judges each
  // against the previous one, so a late beat must not overtake a newer one.
  function beat(position, playing) {
    // An organiser previewing a draft: nothing would count (the server refuses it too).
    if (stopped || state.preview || !video.duration) return;
    const fields = {
      tab: tab,
      position: Math.min(position === undefined ? video.currentTime : position, video.duration),
      playing: playing === undefined ? !video.paused && !video.ended : playing,
      rate: video.playbackRate,
    };
    if (takingOver && fields.playing) { fields.take_over = true; takingOver = false; }
    const body = JSON.stringify(fields);
    sending = sending.then(() => send(body, fields.rate));
  }

  async function send(body, rate) {
    let response;
    try {
      response = await fetch(state.heartbeat_url, {
        method: "POST", credentials: "same-origin", keepalive: true,
        headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken()},
        body: body,
      });
    } catch (error) { return; }  // offline for a moment: the next heartbeat carries on
    const reply = await response.json().catch(() => ({}));
    if (response.ok) {
      takeOver.hidden = true;
      show(reply);
      if (reply.rejected === "skipped" && state.required) {
        video.currentTime = reply.furthest_s;  // the server counts only from where the stretch ends
        say(texts.noSkip);
      } else if (reply.rejected === "too_fast") {
        // The server refused the stretch: say why the counter stays (not for a beat taken at a
        // speed since slowed down to what counts: its answer comes late).
        if (!(rate > state.max_rate && !tooFast())) say(texts.tooFast);
        beat(video.currentTime, false);  // a late beat: start counting again from here
        beat();
      }
      return;
    }
    const error = reply.error || {};  // {"code", "message", "field"}, the message in the member's language
    if (error.code === "other_tab") { video.pause(); say(state.other_tab); takeOver.hidden = false; }
    else if (error.code === "other_lesson") { video.pause(); say(error.message); }
    else if (error.code === "signed_out") { stopped = true; video.pause(); say(texts.signedOut); }
    else if (error.code === "not_published") { stopped = true; video.pause(); say(error.message); }
    else if (error.message) { say(error.message); }
  }

  // Sources: HLS with hls.js where Media Source Extensions exist, native HLS (Safari), else MP4.
  if (state.hls && window.Hls && Hls.isSupported()) {
    const hls = new Hls({capLevelToPlayerSize: true});
    hls.loadSource(state.hls);
    hls.attachMedia(video);
    hls.on(Hls.Events.ERROR, (event, data) => { if (data.fatal && state.mp4) { hls.destroy(); video.src = state.mp4; } });
  } else if (state.hls && video.canPlayType("application/vnd.apple.mpegurl")) {
    video.src = state.hls;
  } else {
    video.src = state.mp4;
  }

  video.addEventListener("loadedmetadata", () => {
    if (state.resume_s > 1 && state.resume_s < video.duration - 3) { video.currentTime = state.resume_s; lastTime = state.resume_s; say(texts.resumed); }
    // What was counted before this visit, until the first heartbeat answers (it may be refused).
    // The server's share (100 once completed, even of a video replaced since); a lesson not yet
    // processed to its length is measured against the video's own.
    const percent = state.duration_s || state.percent || !video.duration ? state.percent : Math.min(100, Math.floor(100 * state.watched_s / video.duration));
    show({percent: percent, watched_s: state.watched_s, furthest_s: state.furthest_s, completed: !completedBadge.hidden});
    beat();
  }, {once: true});

  video.addEventListener("timeupdate", () => {
    // Playing moves less than a second between updates; anything more was a seek.
    if (!video.seeking && video.currentTime - lastTime >= 0 && video.currentTime - lastTime < 1) {
      allowedMax = Math.max(allowedMax, video.currentTime);
    }
    if (!video.seeking) lastTime = video.currentTime;
  });
  video.addEventListener("seeking", () => {
    if (state.required && video.currentTime > allowedMax + 0.5) {
      video.currentTime = allowedMax;
      say(texts.noSkip);
      return;
    }
    // Count what was played up to the seek, then report the seek itself as a new starting point.
    beat(lastTime, !video.paused);
    beat(video.currentTime, false);
    lastTime = video.currentTime;
  });
  document.getElementById("take-over-button").addEventListener("click", () => {
    takingOver = true;
    takeOver.hidden = true;
    say("");
    video.play();  // its "play" event sends the beat that takes over
  });
  video.addEventListener("seeked", () => beat());
  video.addEventListener("pause", () => beat());
  video.addEventListener("play", () => { say(tooFast() ? texts.tooFast : ""); beat(); });
  // Faster than the server counts (LESSON_MAX_RATE): said as soon as the speed is chosen, and
  // taken back once it is slow enough again.
  video.addEventListener("ratechange", () => {
    if (tooFast()) say(texts.tooFast);
    else if (notice.textContent === texts.tooFast) say("");
  });
  video.addEventListener("ended", () => beat());
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") beat(); });
  // Leaving the page stops the video: say so, or the member coming back to this lesson within
  // LESSON_TAB_TIMEOUT_S is refused as "playing in another tab" (the page just left).
  window.addEventListener("pagehide", () => beat(video.currentTime, false));
  setInterval(() => { if (!video.paused) beat(); }, state.interval_s * 1000);
})();
