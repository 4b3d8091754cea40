// Real processes for the end-to-end tests: a redis-server on a free port in
// a temporary directory, pde-engine (which starts its workers) serving the
// built front end, and Debian's chromium driven by playwright-core. Like
// tests/integration/harness.py; everything started here is stopped by
// stop(), also when a test fails.
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(here, "../..");
export const WEB = path.join(REPO, "web");
export const BIN = process.env.PDE_BIN || path.join(REPO, "build/bin");
export const ARTIFACTS = process.env.PDE_E2E_ARTIFACTS || path.join(REPO, "build/e2e-artifacts");
export const CHROMIUM = process.env.PDE_CHROMIUM || "/usr/bin/chromium";

// playwright-core is a dev dependency of web/, not of this folder.
const requireFromWeb = createRequire(path.join(WEB, "package.json"));
export const { chromium } = requireFromWeb("playwright-core");

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function waitFor(predicate, { timeout = 10000, interval = 50, what = "condition" } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await predicate();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await sleep(interval);
  }
  throw new Error(`timed out after ${timeout} ms waiting for ${what} (last: ${last})`);
}

function pingRedis(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    s.setTimeout(300);
    s.on("connect", () => s.write("PING\r\n"));
    s.on("data", (d) => {
      resolve(d.toString().startsWith("+PONG"));
      s.destroy();
    });
    s.on("error", () => resolve(false));
    s.on("timeout", () => {
      resolve(false);
      s.destroy();
    });
  });
}

export class Stack {
  constructor() {
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pde-e2e-"));
    this.procs = [];
    this.browsers = [];
  }

  async startRedis() {
    this.redisPort = await freePort();
    const dir = path.join(this.tmp, "redis");
    fs.mkdirSync(dir, { recursive: true });
    this.redis = spawn(
      "redis-server",
      ["--port", String(this.redisPort), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no", "--logfile", path.join(dir, "redis.log")],
      { stdio: "ignore" },
    );
    this.procs.push(this.redis);
    await waitFor(() => pingRedis(this.redisPort), { what: "redis-server" });
    this.redisUrl = `redis://127.0.0.1:${this.redisPort}`;
  }

  // The engine on a free port (or the one it had, for a restart).
  // extra: more engine flags; token: sent with every request of api() and
  // the readiness check (for an engine started with --token).
  async startEngine({ workers = 2, port, extra = [], token } = {}) {
    this.token = token;
    this.port = port || this.port || (await freePort());
    this.base = `http://127.0.0.1:${this.port}`;
    this.engineLog = path.join(this.tmp, `engine-${Date.now()}.log`);
    const out = fs.openSync(this.engineLog, "w");
    const args = ["--listen", `127.0.0.1:${this.port}`, "--data-dir", path.join(this.tmp, "data"), "--workers", String(workers), "--web-dir", path.join(WEB, "dist")];
    if (this.redisUrl) args.push("--redis", this.redisUrl);
    args.push(...extra);
    this.engine = spawn(path.join(BIN, "pde-engine"), args, { stdio: ["ignore", out, out], detached: true });
    this.procs.push(this.engine);
    const engine = this.engine;
    await waitFor(
      async () => {
        if (engine.exitCode !== null) throw new Error(`pde-engine exited: ${fs.readFileSync(this.engineLog, "utf8")}`);
        const r = await fetch(`${this.base}/api/status`, { headers: this.authHeaders() });
        const body = await r.json();
        return r.ok && (body.local_workers || []).some((w) => w.alive);
      },
      { timeout: 20000, what: "pde-engine to answer" },
    );
  }

  async stopEngine() {
    const e = this.engine;
    if (!e || e.exitCode !== null) return;
    const done = new Promise((r) => e.once("exit", r));
    e.kill("SIGTERM");
    await Promise.race([done, sleep(15000)]);
    if (e.exitCode === null && e.signalCode === null) {
      try {
        process.kill(-e.pid, "SIGKILL");
      } catch {
        /* already gone */
      }
      console.error(`pde-engine did not stop in 15 s:\n${this.engineLogTail()}`);
    } else if (e.exitCode !== 0) {
      // Sanitizer reports and crashes are in the log: show them.
      console.error(`pde-engine exited with ${e.exitCode ?? e.signalCode}:\n${this.engineLogTail(6000)}`);
    }
  }

  authHeaders() {
    return this.token ? { Authorization: `Bearer ${this.token}` } : {};
  }

  async api(method, p, body) {
    const r = await fetch(this.base + p, {
      method,
      headers: { ...(body ? { "Content-Type": "application/json" } : {}), ...this.authHeaders() },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: r.status, body: await r.json() };
  }

  // A browser of its own (fresh profile): two of these are two users.
  async browser() {
    const dir = fs.mkdtempSync(path.join(this.tmp, "chromium-"));
    const ctx = await chromium.launchPersistentContext(dir, {
      executablePath: CHROMIUM,
      headless: true,
      acceptDownloads: true,
      viewport: { width: 1500, height: 1000 },
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
    });
    this.browsers.push(ctx);
    return ctx;
  }

  async stop() {
    for (const b of this.browsers) await b.close().catch(() => {});
    await this.stopEngine();
    for (const p of this.procs) {
      if (p.exitCode === null && p.signalCode === null) {
        try {
          p.kill("SIGKILL");
        } catch {
          /* gone */
        }
      }
    }
    if (this.engine) {
      try {
        process.kill(-this.engine.pid, "SIGKILL");
      } catch {
        /* the group is gone */
      }
    }
    fs.rmSync(this.tmp, { recursive: true, force: true });
  }

  engineLogTail(n = 3000) {
    try {
      return fs.readFileSync(this.engineLog, "utf8").slice(-n);
    } catch {
      return "";
    }
  }
}
