import assert from "node:assert/strict";
import { test } from "node:test";
import { LiveSocket } from "../src/api.js";

// A WebSocket stand-in the test opens, feeds and closes by hand.
class FakeSocket {
  static all = [];
  constructor(url) {
    this.url = url;
    this.readyState = 0;
    this.sent = [];
    FakeSocket.all.push(this);
  }
  open() {
    this.readyState = 1;
    this.onopen && this.onopen();
  }
  send(text) {
    this.sent.push(JSON.parse(text));
  }
  deliver(obj) {
    this.onmessage({ data: JSON.stringify(obj) });
  }
  drop() {
    this.readyState = 3;
    this.onclose && this.onclose();
  }
  close() {
    this.drop();
  }
}

const tick = (ms) => new Promise((r) => setTimeout(r, ms));

test("subscribes, routes messages per sim, reconnects and subscribes again", async () => {
  FakeSocket.all = [];
  const live = new LiveSocket("ws://x/ws", { WebSocketImpl: FakeSocket, maxDelayMs: 20 });
  const states = [];
  live.onState((s) => states.push(s));
  const got = { a: [], b: [] };
  const offA = live.subscribe("a", (m) => got.a.push(m.type));
  live.subscribe("b", (m) => got.b.push(m.type));
  const ws1 = FakeSocket.all[0];
  assert.equal(ws1.url, "ws://x/ws");
  ws1.open();
  assert.deepEqual(ws1.sent, [{ subscribe: "a" }, { subscribe: "b" }]);
  ws1.deliver({ type: "subscribed", sim: { sim_id: "a" }, tags: [] });
  ws1.deliver({ type: "sample", sim_id: "b", t: 1, values: {} });
  ws1.deliver({ type: "error", error: "no simulation 'zz'" });
  ws1.onmessage({ data: "not json" });
  assert.deepEqual(got, { a: ["subscribed", "error"], b: ["sample", "error"] });

  ws1.drop();
  assert.equal(live.state, "down");
  await tick(60);
  const ws2 = FakeSocket.all[1];
  assert.ok(ws2, "a new socket after the drop");
  ws2.open();
  assert.equal(live.state, "open");
  assert.deepEqual(ws2.sent, [{ subscribe: "a" }, { subscribe: "b" }]);
  assert.equal(live.stats.reconnects, 1);

  offA();
  assert.deepEqual(ws2.sent.at(-1), { unsubscribe: "a" });
  ws2.deliver({ type: "sample", sim_id: "a", t: 2, values: {} });
  assert.equal(got.a.length, 2, "no messages after unsubscribing");
  live.close();
  assert.deepEqual(states, ["open", "down", "open"]);
});

test("a socket that cannot be created is retried with back-off", async () => {
  let made = 0;
  class Broken {
    constructor() {
      made++;
      throw new Error("refused");
    }
  }
  const live = new LiveSocket("ws://x/ws", { WebSocketImpl: Broken, maxDelayMs: 10 });
  live.start();
  await tick(120);
  live.close();
  assert.ok(made >= 3, `${made} attempts`);
  assert.equal(live.state, "down");
});

test("a URL given as a function is asked again on each reconnect (a token given meanwhile)", async () => {
  FakeSocket.all = [];
  let token = "";
  const live = new LiveSocket(() => `ws://x/ws${token ? "?token=" + token : ""}`, {
    WebSocketImpl: FakeSocket,
    maxDelayMs: 20,
  });
  live.start();
  assert.equal(FakeSocket.all[0].url, "ws://x/ws");
  token = "abc";
  FakeSocket.all[0].drop();
  await tick(60);
  assert.equal(FakeSocket.all.at(-1).url, "ws://x/ws?token=abc");
  live.close();
});
