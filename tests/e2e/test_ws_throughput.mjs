// How many WebSocket messages a second one sim page handles without
// falling behind. A stand-in server (the built front end, a fake model of
// 32 tags, and a WebSocket that sends samples as fast as asked) feeds the
// page in Debian's chromium at rising rates; the page's own LiveSocket is
// timed: the delay from the server sending a message to the page having
// applied it, the page's frame rate meanwhile, and the time to catch up
// once the burst ends. Prints a table and writes ws-throughput.json.
//
// The engine sends a page at most ~10 sample messages a second per sim,
// so the assertion is modest (the page keeps up with 500 a second); the
// table says where it stops keeping up.
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { createRequire } from "node:module";
import { after, before, test } from "node:test";
import { ARTIFACTS, CHROMIUM, Stack, WEB, sleep } from "./harness.mjs";

if (!fs.existsSync(CHROMIUM)) {
  console.log(`SKIP: no chromium at ${CHROMIUM} (scripts/setup.sh installs it)`);
  process.exit(77);
}

const { WebSocketServer } = createRequire(path.join(WEB, "package.json"))("ws");
const DIST = path.join(WEB, "dist");
const BURST_S = 2;
const RATES = [10, 100, 500, 1000, 2000, 4000, 8000, 16000];

const N_IN = 8;
const N_OUT = 24;
const TAGS = [
  ...Array.from({ length: N_IN }, (_, i) => ({ name: `u${i}`, kind: "input", unit: "V", min: 0, max: 10, default: 5, description: `input ${i}` })),
  ...Array.from({ length: N_OUT }, (_, i) => ({ name: `y${i}`, kind: "output", unit: "cm", min: -2, max: 2, default: 0, description: `output ${i}` })),
];
const MODEL = { id: "bench-model", title: "Bench model", description: "32 tags of noise", tags: TAGS, params: [] };
const REC = { sim_id: "bench", model: MODEL.id, status: "running", worker: "fake", t: 0, time_scale: 1, duration: 1e9, sample_time: 1, created_at: Date.now() / 1000, started_at: Date.now() / 1000, ended_at: null, error: null };
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml" };

let server;
let wss;
let sockets = [];
let stack;
let seq = 0;

function serve(req, res) {
  const url = new URL(req.url, "http://x");
  const json = (body) => {
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify(body));
  };
  if (url.pathname === "/api/sims/bench") return json(REC);
  if (url.pathname === `/api/models/${MODEL.id}`) return json(MODEL);
  if (url.pathname === "/api/sims/bench/history") return json({ sim_id: "bench", tags: {} });
  let file = path.join(DIST, path.normalize(url.pathname));
  if (!file.startsWith(DIST) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) file = path.join(DIST, "index.html");
  res.writeHead(200, { "Content-Type": TYPES[path.extname(file)] || "application/octet-stream" });
  fs.createReadStream(file).pipe(res);
}

function sample() {
  seq++;
  const values = {};
  for (const t of TAGS) values[t.name] = t.kind === "input" ? 5 : Math.sin(seq / 50 + t.name.length) + Math.random() * 0.01;
  return JSON.stringify({ type: "sample", sim_id: "bench", status: "running", t: seq, values, sent_at: Date.now() });
}

// Send `rate` messages a second for BURST_S seconds, in 5 ms slices.
async function burst(rate) {
  const total = rate * BURST_S;
  const start = Date.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((Date.now() - start) / 1000) * rate));
    for (; sent < due; sent++) {
      const text = sample();
      for (const ws of sockets) ws.send(text);
    }
    await sleep(5);
  }
  return sent;
}

before(async () => {
  server = http.createServer(serve);
  wss = new WebSocketServer({ server, path: "/ws" });
  wss.on("connection", (ws) => {
    sockets.push(ws);
    ws.on("close", () => (sockets = sockets.filter((s) => s !== ws)));
    ws.on("message", (data) => {
      const msg = JSON.parse(data);
      if (msg.subscribe) ws.send(JSON.stringify({ type: "subscribed", sim: REC, tags: TAGS.map((t) => ({ tag: t.name, kind: t.kind, value: t.default, unit: t.unit, t: 0 })) }));
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  stack = new Stack();
});

after(async () => {
  if (stack) await stack.stop();
  if (wss) wss.close();
  if (server) server.close();
});

test("one page keeps up with the WebSocket", { timeout: 120000 }, async () => {
  const base = `http://127.0.0.1:${server.address().port}`;
  const browser = await stack.browser();
  const page = await browser.newPage();
  page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
  await page.goto(`${base}/sims/bench`);
  await page.waitForSelector('[data-testid="conn-state"][data-state="open"]');
  await page.waitForSelector('[data-testid="trend-y0"]');
  // Time each message from its sending to its having been applied.
  await page.evaluate(() => {
    const live = window.__pdeLive;
    const orig = live.receive.bind(live);
    window.__bench = { lags: [], count: 0, frames: 0 };
    live.receive = (text) => {
      orig(text);
      const m = /"sent_at":(\d+)/.exec(text);
      if (m) {
        window.__bench.count++;
        window.__bench.lags.push(Date.now() - Number(m[1]));
      }
    };
    const frame = () => {
      window.__bench.frames++;
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  });

  const rows = [];
  for (const rate of RATES) {
    await page.evaluate(() => {
      window.__bench.lags = [];
      window.__bench.count = 0;
      window.__bench.frames = 0;
    });
    const t0 = Date.now();
    const sent = await burst(rate);
    const sentFor = (Date.now() - t0) / 1000;
    const tEnd = Date.now();
    let got = 0;
    while (Date.now() - tEnd < 10000) {
      got = await page.evaluate(() => window.__bench.count);
      if (got >= sent) break;
      await sleep(20);
    }
    const drainMs = Date.now() - tEnd;
    const r = await page.evaluate(() => {
      const l = window.__bench.lags.slice().sort((a, b) => a - b);
      const q = (p) => l[Math.min(l.length - 1, Math.floor(p * l.length))];
      return { p50: q(0.5), p95: q(0.95), max: l[l.length - 1], frames: window.__bench.frames };
    });
    await sleep(250); // the page redraws at most every 100 ms
    const shownT = Number(await page.getAttribute('[data-testid="sim-time"]', "data-t"));
    const row = {
      rate,
      sent,
      received: got,
      lag_p50_ms: r.p50,
      lag_p95_ms: r.p95,
      lag_max_ms: r.max,
      fps: Math.round(r.frames / ((Date.now() - t0) / 1000)),
      catch_up_ms: drainMs,
      shown_t_is_latest: shownT === seq,
      actual_rate: Math.round(sent / sentFor),
    };
    row.keeps_up = got >= sent && r.p95 < 250 && drainMs < 500;
    rows.push(row);
    await sleep(300);
  }
  console.table(rows);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  fs.writeFileSync(path.join(ARTIFACTS, "ws-throughput.json"), JSON.stringify(rows, null, 2));
  await page.screenshot({ path: path.join(ARTIFACTS, "ws-throughput-page.png") });
  const best = Math.max(0, ...rows.filter((x) => x.keeps_up).map((x) => x.rate));
  console.log(`one page keeps up with ${best} messages a second (32 tags each)`);
  assert.ok(rows.filter((x) => x.rate <= 500).every((x) => x.keeps_up), "keeps up with 500 messages a second");
});
