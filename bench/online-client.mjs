// Load client for bench/online.py: one phase per run.
//   node bench/online-client.mjs phase.json   -> one JSON line on stdout
// The phase names the kind of request (start, save, submit, floor, heartbeat), the members
// (session cookie, attempt id), how many connections, and either a duration or "once" (each
// member exactly once). Closed-loop phases (saturation, "once") run on autocannon: each of its
// keep-alive connections sends its next request when the last one is answered. A phase with a
// rate is open-loop and runs on Node's own HTTP client: requests arrive as a Poisson process at
// that rate whatever the server's answers (many members saving independently), each on an idle
// keep-alive connection or a new one, and a latency runs from the request's scheduled time.
// autocannon's own rate (overallRate) is not that: it gives each connection a quota per second
// and sends the quota back to back when the second starts, so all connections fire together at
// each second's tick (at 63/s on 64 connections: 63 requests at once, then nothing), and its
// coordinated-omission correction takes 1/rate (seconds) as milliseconds.
// A member never has two requests in flight: a request takes a member from a queue of idle
// ones and gives it back with the response, so a member's saves reach the server in order and
// the last acknowledged save of each question is the one the database must hold.
import autocannon from "autocannon";
import { readFileSync } from "node:fs";
import http from "node:http";

const spec = JSON.parse(readFileSync(process.argv[2], "utf8"));
const members = spec.members;
const LETTERS = ["A", "B", "C"];
const idle = members.map((_, i) => i);
let nextOnce = 0;
let roundRobin = 0;
const statuses = {};
const attempts = {}; // start: member index -> attempt id
const acks = {}; // save: "attempt/position" -> the last acknowledged response
const inflight = new Map(); // member index -> the save sent (or built) and not answered yet

function take() {
  if (spec.once) return nextOnce < members.length ? nextOnce++ : (roundRobin++ % members.length);
  // Only after a lost response (an error) can the queue run dry: fall back to round robin.
  return idle.length ? idle.shift() : (roundRobin++ % members.length);
}

function headers(member) {
  return {
    cookie: `${spec.session_cookie}=${member.session}; csrftoken=${spec.csrf}`,
    "x-csrftoken": spec.csrf,
    "content-type": "application/json",
    // As behind nginx: TLS ended there, the scheme passed on.
    "x-forwarded-proto": "https",
    origin: `https://${spec.host}`,
    host: spec.host,
  };
}

function build(index) {
  const member = members[index];
  const base = { headers: headers(member) };
  switch (spec.kind) {
    case "start":
      return { ...base, method: "POST", path: `/api/v1/online/${spec.contest}/attempts/`, body: JSON.stringify({ device: member.device }) };
    case "submit":
      return { ...base, method: "POST", path: `/api/v1/online/attempts/${member.attempt}/submit/`, body: JSON.stringify({ device: member.device }) };
    case "save": {
      // A member answers question after question, changing an answer now and then.
      member.cursor = ((member.cursor ?? Math.floor(Math.random() * spec.positions)) % spec.positions) + 1;
      const response = LETTERS[Math.floor(Math.random() * LETTERS.length)];
      return {
        ...base,
        method: "PUT",
        path: `/api/v1/online/attempts/${member.attempt}/items/${member.cursor}/`,
        body: JSON.stringify({ device: member.device, response }),
        pending: { key: `${member.attempt}/${member.cursor}`, response },
      };
    }
    case "floor":
      // The same shape of request as a save: a PUT with a small JSON body, a session and CSRF.
      return { ...base, method: "PUT", path: "/bench/floor/", body: JSON.stringify({ device: member.device, response: "A" }) };
    case "heartbeat": {
      // The player beats every few seconds with the position it has reached: honest watching.
      const now = Date.now();
      member.beganAt ??= now - 10_000 * Math.random();
      const position = Math.min(spec.duration_s, (now - member.beganAt) / 1000);
      return {
        ...base,
        method: "POST",
        path: `/lessons/${spec.lesson}/heartbeat/`,
        body: JSON.stringify({ tab: member.device.slice(0, 12), position, playing: true }),
      };
    }
    default:
      throw new Error(`unknown kind ${spec.kind}`);
  }
}

function setupRequest(request, context) {
  const index = take();
  const built = build(index);
  context.member = index;
  context.pending = built.pending;
  if (built.pending) inflight.set(index, built.pending.key);
  return { ...request, method: built.method, path: built.path, headers: built.headers, body: built.body };
}

function onResponse(status, body, context) {
  statuses[status] = (statuses[status] || 0) + 1;
  const index = context.member;
  inflight.delete(index);
  if (status >= 200 && status < 300) {
    if (spec.kind === "start") attempts[index] = JSON.parse(body).id;
    if (spec.kind === "save") acks[context.pending.key] = context.pending.response;
  }
  if (!spec.once) idle.push(index);
}

function report(seconds, latencies, errors, extra = {}) {
  const ok = Object.entries(statuses)
    .filter(([status]) => status >= 200 && status < 300)
    .reduce((sum, [, count]) => sum + count, 0);
  const failed = Object.entries(statuses)
    .filter(([status]) => !(status >= 200 && status < 300))
    .reduce((sum, [, count]) => sum + count, 0);
  const out = {
    kind: spec.kind,
    ok,
    seconds: Math.round(seconds * 1000) / 1000,
    per_s: Math.round((ok / seconds) * 10) / 10,
    ...latencies,
    statuses,
    errors: failed + errors,
    ...extra,
  };
  if (spec.kind === "start") out.attempts = attempts;
  if (spec.kind === "save") {
    out.acks = acks;
    // Saves abandoned when the phase ended: the server may still apply them after their question's
    // last acknowledged save, so that question proves nothing until a later save is acknowledged.
    out.unsettled = [...new Set(inflight.values())];
  }
  process.stdout.write(JSON.stringify(out) + "\n");
}

// Deterministic arrivals, so that runs before and after a change meet the same pattern of load.
function random(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function percentile(sorted, p) {
  if (!sorted.length) return null;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]);
}

function openLoop() {
  const url = new URL(spec.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const uniform = random(17);
  const latencies = [];
  let errors = 0;
  let pending = 0;
  let concurrent = 0;
  let sent = 0;
  let closed = false; // no more arrivals: done when the last answer is in
  const started = performance.now();
  const ends = started + spec.duration * 1000;
  let due = started;

  function send(scheduled) {
    const context = {};
    const built = setupRequest({}, context);
    pending++;
    concurrent = Math.max(concurrent, pending);
    sent++;
    const request = http.request(
      { agent, host: url.hostname, port: url.port, method: built.method, path: built.path, headers: built.headers, timeout: 30_000 },
      (response) => {
        const chunks = [];
        response.on("data", (chunk) => chunks.push(chunk));
        response.on("end", () => {
          if (response.statusCode >= 200 && response.statusCode < 300) latencies.push(performance.now() - scheduled);
          onResponse(response.statusCode, Buffer.concat(chunks).toString(), context);
          finish();
        });
      },
    );
    request.on("timeout", () => request.destroy(new Error("timeout")));
    request.on("error", () => {
      // The server may still apply a lost request: its member stays out of the queue and its
      // save stays unsettled.
      errors++;
      finish();
    });
    request.end(built.body);
  }

  function finish() {
    pending--;
    if (pending === 0 && closed) done();
  }

  function done() {
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    agent.destroy();
    report(
      seconds,
      {
        p50_ms: percentile(latencies, 50),
        p90_ms: percentile(latencies, 90),
        p99_ms: percentile(latencies, 99),
        max_ms: percentile(latencies, 100),
      },
      errors,
      { sent, offered_per_s: Math.round((sent / spec.duration) * 10) / 10, peak_concurrency: concurrent },
    );
  }

  // Each timer sends every request that has come due (a late timer sends them late, and their
  // latency counts from when they were due), then sleeps until the next arrival.
  function tick() {
    if (closed) return;
    const now = performance.now();
    while (due <= now && due < ends) {
      send(due);
      due += (-Math.log(1 - uniform()) / spec.rate) * 1000;
    }
    if (due < ends) setTimeout(tick, due - performance.now());
  }
  setTimeout(() => {
    closed = true;
    if (pending === 0) done();
  }, spec.duration * 1000);
  tick();
}

function closedLoop() {
  const options = {
    url: spec.url,
    connections: Math.min(spec.connections, members.length), // never two requests of one member at once
    timeout: 30,
    requests: [{ setupRequest, onResponse }],
  };
  if (spec.once) options.amount = members.length;
  else options.duration = spec.duration;

  const started = process.hrtime.bigint();
  autocannon(options, (error, result) => {
    if (error) {
      process.stdout.write(JSON.stringify({ error: String(error) }) + "\n");
      process.exit(1);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const { p50, p90, p99, max } = result.latency;
    report(seconds, { p50_ms: p50, p90_ms: p90, p99_ms: p99, max_ms: max }, result.errors + result.timeouts);
  });
}

if (spec.rate) openLoop();
else closedLoop();
