import assert from "node:assert/strict";
import { test } from "node:test";
import { SimData } from "../src/lib/simData.js";

const TAGS = [
  { name: "R", kind: "input", unit: "lb/min", min: 0, max: 4, default: 1.95 },
  { name: "xD", kind: "output", unit: "mol %", min: 0, max: 100, default: 96.25 },
];
const REC = { sim_id: "abc", model: "wood-berry", status: "running", t: 10, time_scale: 1, sample_time: 1 };

test("subscribed, samples, inputs and status build the sim's picture", () => {
  const d = new SimData("abc", TAGS);
  let changes = 0;
  d.onChange(() => changes++);
  assert.equal(d.apply({ type: "subscribed", sim: REC, tags: [{ tag: "R", value: 1.95, t: 0 }, { tag: "xD", value: 96.25, t: 10 }] }), true);
  assert.equal(d.status, "running");
  assert.equal(d.valueOf("xD"), 96.25);
  d.apply({ type: "sample", sim_id: "abc", status: "running", t: 11, values: { R: 1.95, xD: 96.3 } });
  d.apply({ type: "sample", sim_id: "abc", status: "running", t: 12, values: { R: 1.95, xD: 96.4 } });
  assert.deepEqual(d.seriesOf("xD").t, [10, 11, 12]);
  assert.equal(d.t, 12);
  d.apply({ type: "input", sim_id: "abc", tag: "R", value: 2.1, t: 12 });
  assert.equal(d.valueOf("R"), 2.1);
  assert.equal(d.ended, false);
  d.apply({ type: "status", sim: { ...REC, status: "stopped", t: 12 } });
  assert.equal(d.status, "stopped");
  assert.equal(d.ended, true);
  assert.equal(changes, 5);
  assert.equal(d.stats.samples, 2);
});

test("messages for other sims are ignored", () => {
  const d = new SimData("abc", TAGS);
  assert.equal(d.apply({ type: "sample", sim_id: "other", t: 1, values: { xD: 1 } }), false);
  assert.equal(d.apply({ type: "status", sim: { sim_id: "other", status: "failed" } }), false);
  assert.equal(d.apply({ type: "nonsense" }), false);
  assert.equal(d.apply(null), false);
  assert.equal(d.seriesOf("xD").t.length, 0);
});

test("history fills in under live samples and reports its newest time", () => {
  const d = new SimData("abc", TAGS);
  d.setRecord(REC);
  d.apply({ type: "sample", sim_id: "abc", status: "running", t: 11, values: { xD: 96.3 } });
  const newest = d.applyHistory({ sim_id: "abc", tags: { xD: [[0, 96.25], [1, 96.25], [11, 0]], R: [[0, 1.95]] } });
  assert.equal(newest, 11);
  assert.deepEqual(d.seriesOf("xD").t, [0, 1, 11]);
  assert.equal(d.seriesOf("xD").v[2], 96.3, "the live sample wins");
  assert.equal(d.valueOf("R"), 1.95, "a tag without live values gets its last historic one");
  assert.deepEqual(d.timeRange(), [0, 11]);
  assert.equal(d.applyHistory({ sim_id: "abc", tags: {} }), null);
});

test("a later sample never moves the latest value back in time", () => {
  const d = new SimData("abc", TAGS);
  d.apply({ type: "sample", sim_id: "abc", t: 20, values: { xD: 2 } });
  d.apply({ type: "sample", sim_id: "abc", t: 19, values: { xD: 1 } });
  assert.equal(d.valueOf("xD"), 2);
  assert.deepEqual(d.seriesOf("xD").t, [19, 20]);
});

test("write states: pending, accepted (with the sim's time), refused", () => {
  const d = new SimData("abc", TAGS);
  d.writeStarted("R", 2.5);
  assert.equal(d.writes.R.state, "pending");
  d.writeAccepted("R", { tag: "R", value: 2.5, t: 30 });
  assert.deepEqual(d.writes.R, { state: "accepted", value: 2.5, t: 30 });
  assert.equal(d.valueOf("R"), 2.5);
  d.writeFailed("R", 9, "R must be from 0 to 4 lb/min");
  assert.equal(d.writes.R.state, "error");
  assert.match(d.writes.R.message, /from 0 to 4/);
  assert.equal(d.valueOf("R"), 2.5, "a refused value is not shown as in force");
});

test("series stay bounded on long runs", () => {
  const d = new SimData("abc", TAGS, { maxPoints: 1000 });
  for (let i = 0; i < 5000; i++) d.apply({ type: "sample", sim_id: "abc", t: i, values: { xD: i } });
  assert.ok(d.seriesOf("xD").t.length <= 1000);
  assert.equal(d.seriesOf("xD").t.at(-1), 4999);
});
