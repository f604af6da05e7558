// The live-contest connection shared by the player, big-screen and host pages (contests and
// speech nights).
// Reconnects with exponential backoff and jitter; measures the server clock offset; follows the
// sequence number and asks for a snapshot when a frame was missed; re-sends unacknowledged
// actions after a reconnect when a repeat cannot count twice (answers and scores carry their own
// id; a team buzzes and stakes once). A host's command carries a command_id, and the server
// answers a repeat with the first result without carrying it out again (it keeps ids for an
// hour): one still unanswered when the socket closed is sent again after the reconnect, under
// the same id, if it was first sent less than RESEND_WITHIN_MS before, so a "next question"
// clicked during a Wi-Fi blip is carried out once without the host clicking again; the page
// hears so from onAck's second argument. An older one is not sent again: after a longer outage
// another console may have moved on, and the host decides from the fresh snapshot; the page is
// told (onDropped), as it is for a host command without a command_id and for every command when
// the socket will not reconnect (stopped, 4401, 4403). When the page's sign-in ends (4401, after
// an `error` saying why: docs/protocol.md, "A sign-in that ends"), or the server refuses it
// (4403, after an `error` naming the refusal: "Refusals"), the page says why over everything,
// with what to do: sign in again and come back, or sign in as someone else, ask the organiser
// and try again (templates/includes/sign_in_ended.html); otherwise a big screen would just stand
// still. The page's status then says the connection ended (onStatus("ended")), not that it is
// reconnecting: it does not try again.
(function () {
  "use strict";
  const REPEATABLE = new Set(["answer.submit", "score.submit", "buzz", "risk.pick"]);
  const SIGN_IN_ENDINGS = new Set([
    "account_deactivated", "account_deleted", "password_reset", "password_changed", "signed_out", "device_signed_out",
  ]);
  const REFUSALS = new Set(["not_in_contest", "not_in_audience", "not_host", "not_judge", "bad_role", "too_many_attempts"]);
  // The contest was deleted (a rehearsal: reset) while the page was open: then close 4403, with
  // nothing to sign in to or try again (docs/protocol.md, "A contest that is deleted").
  const GONE = "contest_deleted";
  const SIGNED_OUT_CLOSE = 4401;
  const REFUSED_CLOSE = 4403;
  const RESEND_WITHIN_MS = 60000; // docs/protocol.md, "How a client works"
  // A connection can die without a close (Wi-Fi gone, a phone out of range): the socket stays
  // "open" and the page said Connected for 27 s and more while an answer waited to go. So the
  // client asks the server's time (`time.sync`) once it has heard nothing for HEARTBEAT_MS; heard
  // nothing for SILENT_MS after asking, or after sending an action (each is answered), it takes
  // the connection as lost, and reconnects (docs/protocol.md, "How a client works"). Only a quiet
  // connection is asked: a hall of 5,000 phones between questions sends 250 frames a second, not
  // one per phone every few seconds while frames flow anyway. The browser saying it went offline
  // counts as lost at once; back online, it reconnects at once.
  const HEARTBEAT_MS = 20000;
  const SILENT_MS = 5000;
  window.LiveContest = function (options) {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const url = scheme + "://" + location.host + (options.path || "/ws/contests/" + options.code + "/") + "?role=" + options.role;
    const pending = new Map(); // frame id -> frame, until acknowledged
    const commandSentAt = new Map(); // frame id of a host command with a command_id -> first sent (performance.now())
    const resent = new Set(); // frame ids of host commands sent again after a reconnect
    let socket = null;
    let attempt = 0;
    let lastSeq = 0;
    let offset = 0;
    let bestRoundTrip = Infinity;
    let counter = 0;
    let stopped = false;
    let closedBefore = false; // an open now is a reconnect
    let closing = null; // the `error` frame that said why, before a 4401 or 4403
    let askedAt = null; // when a time.sync went unanswered so far (performance.now()), or null
    let heardAt = performance.now(); // when the last frame arrived
    let retry = null; // the timer of the next reconnect

    // "online", "offline" (reconnecting) or "ended" (it will not reconnect).
    function setStatus(status) {
      if (options.onStatus) options.onStatus(status);
    }

    function connect() {
      retry = null;
      askedAt = null;
      heardAt = performance.now();
      socket = new WebSocket(url);
      socket.onopen = () => {
        attempt = 0;
        closing = null;
        setStatus("online");
        for (let i = 0; i < 3; i++) setTimeout(() => raw({ type: "time.sync", client_sent_at: Date.now() }), i * 300);
        pending.forEach((frame, id) => {
          if (commandSentAt.has(id)) {
            if (performance.now() - commandSentAt.get(id) > RESEND_WITHIN_MS) return drop(id);
            if (closedBefore) resent.add(id);
          }
          raw(frame);
        });
      };
      socket.onmessage = (event) => { askedAt = null; heardAt = performance.now(); handle(JSON.parse(event.data)); };
      socket.onclose = (event) => closed(event.code);
    }

    // Ask for the server's time: an answer of any kind says the connection lives.
    function ask() {
      if (!socket || socket.readyState !== WebSocket.OPEN) return;
      if (askedAt === null) askedAt = performance.now();
      raw({ type: "time.sync", client_sent_at: Date.now() });
    }

    // The connection is taken as lost without its close: leave that socket (what it still
    // delivers is not read) and go on as after a close.
    function lost() {
      if (!socket || stopped || socket.readyState > WebSocket.OPEN) return;
      const dead = socket;
      dead.onopen = dead.onmessage = dead.onclose = dead.onerror = null;
      dead.close();
      closed(1006);
    }

    setInterval(() => {
      if (askedAt !== null && performance.now() - askedAt > SILENT_MS) lost();
      else if (askedAt === null && performance.now() - heardAt >= HEARTBEAT_MS) ask();
    }, 1000);
    window.addEventListener("offline", lost);
    window.addEventListener("online", () => {
      // Back: try now rather than at the end of a backoff grown while offline.
      if (retry === null || stopped) return;
      clearTimeout(retry);
      attempt = 0;
      connect();
    });

    function closed(code) {
      closedBefore = true;
      const ended = code === SIGNED_OUT_CLOSE || code === REFUSED_CLOSE;
      const reconnecting = !(stopped || ended);
      setStatus(reconnecting ? "offline" : "ended");
      pending.forEach((frame, id) => {
        if (REPEATABLE.has(frame.type)) return;
        if (reconnecting && commandSentAt.has(id)) return; // sent again on reconnecting, if still young
        drop(id);
      });
      if (ended) showEnded(code, closing);
      if (!reconnecting) return;
      const delay = Math.min(10000, 400 * 2 ** attempt) * (0.5 + Math.random());
      attempt += 1;
      retry = setTimeout(connect, delay);
    }

    function forget(id) {
      pending.delete(id);
      commandSentAt.delete(id);
      return resent.delete(id);
    }

    function drop(id) {
      const frame = pending.get(id);
      forget(id);
      if (options.onDropped) options.onDropped(frame);
    }

    function raw(frame) {
      if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
    }

    function handle(frame) {
      if (frame.type === "state" || frame.type === "host.state" || frame.type === "night.state") {
        if (frame.event !== "snapshot" && frame.seq < lastSeq) {
          // Older than what is shown (a progress update built before a change that overtook it):
          // ignore it, and ask for the picture as it is in case the numbering itself restarted.
          raw({ type: "sync" });
          return;
        }
        if (frame.event !== "snapshot" && frame.seq > lastSeq + 1 && lastSeq > 0) raw({ type: "sync" });
        lastSeq = frame.seq;
        options.onState(frame);
      } else if (frame.type === "time.synced") {
        const now = Date.now();
        const roundTrip = now - frame.client_sent_at - (frame.server_sent_at - frame.server_received_at);
        if (roundTrip < bestRoundTrip) {
          bestRoundTrip = roundTrip;
          offset = (frame.server_received_at - frame.client_sent_at + (frame.server_sent_at - now)) / 2;
        }
      } else if (frame.type === "ack") {
        const wasResent = forget(frame.ref);
        if (options.onAck) options.onAck(frame, wasResent);
      } else if (frame.type === "error") {
        if (frame.code === "unavailable" && pending.has(frame.ref)) {
          // Not stored just now: send the same frame (same answer_id) again shortly; it counts once.
          const again = pending.get(frame.ref);
          setTimeout(() => raw(again), 500 + Math.random() * 1000);
          return;
        }
        if (frame.code === "password_change_required") {
          // A temporary password to replace first (then close 4403): reloading the page takes
          // the member to the password page (docs/protocol.md, "Refusals").
          window.location.reload();
          return;
        }
        if (frame.ref === undefined && (SIGN_IN_ENDINGS.has(frame.code) || REFUSALS.has(frame.code) || frame.code === GONE)) {
          closing = frame; // the close (4401, 4403) follows: the page says it then
          return;
        }
        if (frame.ref !== undefined) forget(frame.ref);
        if (options.onError) options.onError(frame);
      } else if (options.onMessage) {
        options.onMessage(frame); // any other message (a phone's team.answered)
      }
    }

    function newId() {
      return crypto.randomUUID ? crypto.randomUUID() : "a" + Date.now() + Math.random().toString(36).slice(2);
    }

    connect();
    return {
      send(frame) {
        frame.id = frame.id || "f" + Date.now().toString(36) + (counter++);
        if (frame.type !== "sync") pending.set(frame.id, frame);
        if (frame.command_id) commandSentAt.set(frame.id, performance.now());
        raw(frame);
        // Every action is answered (ack or error): nothing heard within SILENT_MS, the connection
        // is lost. No time.sync beside it, which would double a hall's frames in an answer burst.
        const open = socket && socket.readyState === WebSocket.OPEN; // else it goes on opening
        if (frame.type !== "sync" && open && askedAt === null) askedAt = performance.now();
        return frame.id;
      },
      serverNow: () => Date.now() + offset,
      // A new random id, for an answer_id or a host's command_id (a repeat under it acts once).
      newAnswerId: newId,
      newCommandId: newId,
      stop() { stopped = true; if (socket) socket.close(); },
    };
  };

  // Why the page's connection ended for good, in the page's language, over the page: its
  // sign-in ended (4401), with the link to sign in again; or it was refused (4403), with a button
  // to sign in as someone else and a link to try again (once an organiser has let this account
  // in). The sentence is the reason's own (the frame's message for a reason this page does not
  // know; a general one when the socket was closed without a frame, as a reconnect after the
  // session expired is): never a code.
  function showEnded(closeCode, frame) {
    const notice = document.getElementById("sign-in-ended");
    if (!notice) return;
    const gone = Boolean(frame) && frame.code === GONE; // the frame's own sentence, no way back in
    const refused = closeCode === REFUSED_CLOSE && !gone;
    const general = refused ? "refused" : "ended";
    const code = frame ? frame.code : general;
    const $ = (id) => document.getElementById(id);
    $("sign-in-ended-reason").textContent = notice.dataset[code] || (frame && frame.message) || notice.dataset[general];
    $("sign-in-ended-title").textContent = refused ? notice.dataset.refusedTitle : notice.dataset.endedTitle;
    notice.dataset.reason = code;
    $("sign-in-again").hidden = refused || gone;
    $("sign-in-other").hidden = !refused;
    $("try-again").hidden = !refused;
    notice.hidden = false;
    if (!gone) $(refused ? "sign-in-as-other" : "sign-in-again").focus();
  }

  // The note on a team placed above the next one, level with it on score, by its shorter relay
  // time (`ahead_on_time`, protocol.md): without it a tie broken by time reads as a mistake.
  window.liveTieNote = function () {
    const texts = document.getElementById("live-texts").dataset;
    const note = document.createElement("small");
    note.className = "qs-tie-note";
    note.textContent = texts.aheadontime;
    note.title = texts.aheadontimetitle;
    return note;
  };

  // A contest's or round's title as this page's language shows it: frames carry both (protocol.md).
  window.liveTitle = function (titled) {
    return document.documentElement.lang.startsWith("en") ? titled.title_en || titled.title : titled.title;
  };
  // A night's criterion likewise, by its `name` and `name_en`.
  window.liveName = function (named) {
    return window.liveTitle({ title: named.name, title_en: named.name_en });
  };

  // A fill-in's blanks as every page writes them (contests/presenters.py `blanks_text`): apart by
  // the page language's separator (2017；2022, or 2017; 2022), a blank's accepted answers (an
  // answer key's) apart by " / ".
  window.liveBlanks = function (blanks) {
    const separator = document.getElementById("live-texts").dataset.blanksep;
    return blanks.map((v) => (Array.isArray(v) ? v.join(" / ") : v)).join(separator);
  };

  // Keep the keyboard's place when a live update redraws part of a page (a frame replaces the
  // answer buttons, the host's buttons are held while a command is on its way): focus on an
  // element removed, hidden or disabled fell to the top of the page, and a keyboard or
  // screen-reader user had to find the way back. Controls drawn again carry the same
  // `data-focus-key`, and the place goes back to the new one; otherwise to the first usable
  // control of the area it was in (`data-focus-area`, focusable with tabindex -1), or to the
  // area itself, until a control there can take it again (the one it left, if it can).
  const usable = (el) => el.isConnected && !el.disabled && !el.closest("[hidden]") && el.getClientRects().length > 0;
  const CONTROLS = "button, input, select, textarea, a[href], summary";
  window.liveKeepFocus = function (redraw) {
    const before = document.activeElement;
    const area = before && before.closest ? before.closest("[data-focus-area]") : null;
    const key = before === area ? area.dataset.focusLeft : before && (before.dataset.focusKey || before.id);
    redraw();
    if (!area || (before !== area && usable(before))) return;
    const same = key ? area.querySelector('[data-focus-key="' + CSS.escape(key) + '"], #' + CSS.escape(key)) : null;
    const target = same && usable(same) ? same : Array.from(area.querySelectorAll(CONTROLS)).find(usable);
    if (target) {
      delete area.dataset.focusLeft;
      target.focus();
    } else if (before !== area) {
      if (key) area.dataset.focusLeft = key;
      area.focus();
    }
  };

  // "mm:ss" left until an ISO deadline, by the server's clock.
  window.liveRemaining = function (deadline, serverNow) {
    if (!deadline) return null;
    return Math.max(0, Math.ceil((Date.parse(deadline) - serverNow()) / 1000));
  };
})();
