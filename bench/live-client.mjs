// Load client for bench/live.py: N WebSocket players driven by commands on stdin.
// Each command line is JSON; each result is one JSON line on stdout.
//   {"cmd": "connect", "url": "...", "players": [{"cookie": "...", "path": "/ws/..."}], "origin": "..."}
//   {"cmd": "collect", "event": "question.opened"}                 -> latencies (ms) of the next matching frame per socket, and one such frame
//   {"cmd": "answer", "opening": 41, "within_ms": 2000, "response": "A"} -> every player answers at a random moment
//   {"cmd": "reconnect"}                                           -> drop every socket at once, reconnect, time to all snapshots
//   {"cmd": "quit"}
// Latency = receipt time - the frame's server_time (same machine, same clock).
// Frames are matched as bytes, never decoded whole: decoding 2,000 copies of a 30 KB frame with
// Chinese text costs the client ~10x more than the server spends sending them.
import WebSocket from "ws";
import readline from "node:readline";

let sockets = [];
let settings = null;

function out(obj) { process.stdout.write(JSON.stringify(obj) + "\n"); }

function open(player) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(settings.url + player.path, { headers: { Cookie: player.cookie, Origin: settings.origin }, perMessageDeflate: false });
    ws.player = player;
    ws.waiters = [];
    ws.on("message", (data) => {
      const now = Date.now();
      for (const waiter of ws.waiters.slice()) waiter(data, now);
    });
    ws.on("error", reject);
    const first = (text) => {
      ws.waiters = ws.waiters.filter((w) => w !== first);
      resolve(ws);
    };
    ws.waiters.push(first);
  });
}

async function connectAll(players) {
  const started = Date.now();
  const opened = [];
  // Open in batches: the server accepts a burst, not an unbounded flood at one instant.
  for (let i = 0; i < players.length; i += 200) {
    opened.push(...(await Promise.all(players.slice(i, i + 200).map(open))));
  }
  return { sockets: opened, seconds: (Date.now() - started) / 1000 };
}

const SERVER_TIME = Buffer.from('"server_time":"');
let lastFrame = "";

function has(data, text) { return data.indexOf(text) !== -1; }

function serverTime(data) {
  const start = data.lastIndexOf(SERVER_TIME) + SERVER_TIME.length;
  return Date.parse(data.toString("latin1", start, data.indexOf(34, start))); // 34: the closing quote
}

function collect(event, timeoutMs) {
  const marker = `"event":"${event}"`;
  return Promise.all(sockets.map((ws) => new Promise((resolve) => {
    const timer = setTimeout(() => { ws.waiters = ws.waiters.filter((w) => w !== waiter); resolve(null); }, timeoutMs);
    const waiter = (data, now) => {
      if (!has(data, marker)) return;
      clearTimeout(timer);
      ws.waiters = ws.waiters.filter((w) => w !== waiter);
      if (!lastFrame) lastFrame = data.toString();
      resolve(now - serverTime(data));
    };
    ws.waiters.push(waiter);
  })));
}

function answerAll(opening, withinMs, response) {
  return Promise.all(sockets.map((ws, index) => new Promise((resolve) => {
    setTimeout(() => {
      const id = "bench-" + index + "-" + opening;
      const sent = Date.now();
      const timer = setTimeout(() => { ws.waiters = ws.waiters.filter((w) => w !== waiter); resolve({ lost: true }); }, 10000);
      const waiter = (data, now) => {
        if (!has(data, `"ref":"${id}"`) && !has(data, `"ref": "${id}"`)) return;
        clearTimeout(timer);
        ws.waiters = ws.waiters.filter((w) => w !== waiter);
        resolve({ ms: now - sent, sent, ok: has(data, '"type": "ack"') || has(data, '"type":"ack"') });
      };
      ws.waiters.push(waiter);
      ws.send(JSON.stringify({ type: "answer.submit", id, answer_id: id, opening, response }));
    }, Math.random() * withinMs);
  })));
}

const input = readline.createInterface({ input: process.stdin });
for await (const line of input) {
  const command = JSON.parse(line);
  try {
    if (command.cmd === "connect") {
      settings = command;
      const result = await connectAll(command.players);
      sockets = result.sockets;
      out({ connected: sockets.length, seconds: result.seconds });
    } else if (command.cmd === "collect") {
      lastFrame = "";
      const pending = collect(command.event, command.timeout_ms || 15000);
      out({ armed: true }); // listeners are in place: the orchestrator may trigger the broadcast now
      out({ latencies: await pending, frame: lastFrame });
    } else if (command.cmd === "answer") {
      out({ answers: await answerAll(command.opening, command.within_ms, command.response) });
    } else if (command.cmd === "reconnect") {
      const players = sockets.map((ws) => ws.player);
      for (const ws of sockets) ws.terminate();
      const started = Date.now();
      const reopened = await Promise.all(players.map((player) => open(player).catch(() => null)));
      sockets = reopened.filter(Boolean);
      out({ resynced: sockets.length, seconds: (Date.now() - started) / 1000 });
    } else if (command.cmd === "quit") {
      for (const ws of sockets) ws.terminate();
      out({ bye: true });
      process.exit(0);
    }
  } catch (error) {
    out({ error: String(error) });
  }
}
