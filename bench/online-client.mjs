// Load client for bench/online.py: one phase per run, driven by autocannon (keep-alive HTTP/1.1
// connections, latency histograms with coordinated-omission correction when a rate is set).
//   node bench/online-client.mjs phase.json   -> one JSON line on stdout
// The phase names the kind of request (start, save, submit, floor, heartbeat), the members
// (session cookie, attempt id), how many connections, and either a duration (optionally at a
// fixed overall rate) or "once" (each member exactly once).
// A member never has two requests in flight: a request takes a member from a queue of idle
// ones and gives it back with the response, so a member's saves reach the server in order and
// the last acknowledged save of each question is the one the database must hold.
import autocannon from "autocannon";
import { readFileSync } from "node:fs";

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

const options = {
  url: spec.url,
  connections: Math.min(spec.connections, members.length), // never two requests of one member at once
  timeout: 30,
  requests: [
    {
      setupRequest(request, context) {
        const index = take();
        const built = build(index);
        context.member = index;
        context.pending = built.pending;
        if (built.pending) inflight.set(index, built.pending.key);
        return { ...request, method: built.method, path: built.path, headers: built.headers, body: built.body };
      },
      onResponse(status, body, context) {
        statuses[status] = (statuses[status] || 0) + 1;
        const index = context.member;
        inflight.delete(index);
        if (status >= 200 && status < 300) {
          if (spec.kind === "start") attempts[index] = JSON.parse(body).id;
          if (spec.kind === "save") acks[context.pending.key] = context.pending.response;
        }
        if (!spec.once) idle.push(index);
      },
    },
  ],
};
if (spec.once) options.amount = members.length;
else options.duration = spec.duration;
if (spec.rate) options.overallRate = spec.rate;

const started = process.hrtime.bigint();
autocannon(options, (error, result) => {
  if (error) {
    process.stdout.write(JSON.stringify({ error: String(error) }) + "\n");
    process.exit(1);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
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
    p50_ms: result.latency.p50,
    p90_ms: result.latency.p90,
    p99_ms: result.latency.p99,
    max_ms: result.latency.max,
    statuses,
    errors: failed + result.errors + result.timeouts,
  };
  if (spec.kind === "start") out.attempts = attempts;
  if (spec.kind === "save") {
    out.acks = acks;
    // Saves abandoned when the phase ended: the server may still apply them after their question's
    // last acknowledged save, so that question proves nothing until a later save is acknowledged.
    out.unsettled = [...new Set(inflight.values())];
  }
  process.stdout.write(JSON.stringify(out) + "\n");
});
