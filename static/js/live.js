// The live-contest connection shared by the player, big-screen and host pages.
// Reconnects with exponential backoff and jitter; measures the server clock offset; follows the
// sequence number and asks for a snapshot when a frame was missed; re-sends unacknowledged
// actions after a reconnect when a repeat cannot count twice (answers and scores carry their own
// id; a team buzzes and stakes once). A host's command is not sent again: it may have been
// carried out with only its acknowledgement lost, and a second "show next" or adjustment would
// count twice. The page is told (onDropped) and the host looks at the fresh snapshot. (Host
// commands carry a command_id, so the server would answer a repeat with the first result; but a
// command sent again minutes later, after another console moved on, is the host's decision.)
(function () {
  "use strict";
  const REPEATABLE = new Set(["answer.submit", "score.submit", "buzz", "risk.pick"]);
  window.LiveContest = function (options) {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const url = scheme + "://" + location.host + (options.path || "/ws/contests/" + options.code + "/") + "?role=" + options.role;
    const pending = new Map(); // frame id -> frame, until acknowledged
    let socket = null;
    let attempt = 0;
    let lastSeq = 0;
    let offset = 0;
    let bestRoundTrip = Infinity;
    let counter = 0;
    let stopped = false;

    function setStatus(online) {
      if (options.onStatus) options.onStatus(online);
    }

    function connect() {
      socket = new WebSocket(url);
      socket.onopen = () => {
        attempt = 0;
        setStatus(true);
        for (let i = 0; i < 3; i++) setTimeout(() => raw({ type: "time.sync", client_sent_at: Date.now() }), i * 300);
        pending.forEach((frame) => raw(frame));
      };
      socket.onmessage = (event) => handle(JSON.parse(event.data));
      socket.onclose = (event) => {
        setStatus(false);
        pending.forEach((frame, id) => {
          if (REPEATABLE.has(frame.type)) return;
          pending.delete(id);
          if (options.onDropped) options.onDropped(frame);
        });
        if (stopped || event.code === 4401 || event.code === 4403) return;
        const delay = Math.min(10000, 400 * 2 ** attempt) * (0.5 + Math.random());
        attempt += 1;
        setTimeout(connect, delay);
      };
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
        pending.delete(frame.ref);
        if (options.onAck) options.onAck(frame);
      } else if (frame.type === "error") {
        if (frame.code === "unavailable" && pending.has(frame.ref)) {
          // Not stored just now: send the same frame (same answer_id) again shortly; it counts once.
          const again = pending.get(frame.ref);
          setTimeout(() => raw(again), 500 + Math.random() * 1000);
          return;
        }
        if (frame.ref) pending.delete(frame.ref);
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
        raw(frame);
        return frame.id;
      },
      serverNow: () => Date.now() + offset,
      // A new random id, for an answer_id or a host's command_id (a repeat under it acts once).
      newAnswerId: newId,
      newCommandId: newId,
      stop() { stopped = true; if (socket) socket.close(); },
    };
  };

  // "mm:ss" left until an ISO deadline, by the server's clock.
  window.liveRemaining = function (deadline, serverNow) {
    if (!deadline) return null;
    return Math.max(0, Math.ceil((Date.parse(deadline) - serverNow()) / 1000));
  };
})();
