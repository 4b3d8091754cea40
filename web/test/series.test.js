import assert from "node:assert/strict";
import { test } from "node:test";
import { appendPoint, capSeries, createSeries, decimate, extent, fromPoints, mergePoints, nearest, slice } from "../src/lib/series.js";

test("appendPoint keeps time order, replaces equal times, inserts late points", () => {
  const s = createSeries();
  appendPoint(s, 1, 10);
  appendPoint(s, 2, 20);
  appendPoint(s, 2, 21);
  appendPoint(s, 1.5, 15);
  appendPoint(s, NaN, 99);
  appendPoint(s, 3, null);
  assert.deepEqual(s.t, [1, 1.5, 2, 3]);
  assert.deepEqual(s.v.slice(0, 3), [10, 15, 21]);
  assert.ok(Number.isNaN(s.v[3]), "a null value is a gap, not zero");
});

test("mergePoints puts history under live samples and keeps the live value on equal times", () => {
  const s = createSeries();
  appendPoint(s, 5, 50);
  appendPoint(s, 6, 60);
  mergePoints(s, [[1, 1], [2, 2], [5, -1], [7, 7]]);
  assert.deepEqual(s.t, [1, 2, 5, 6, 7]);
  assert.deepEqual(s.v, [1, 2, 50, 60, 7]);
  mergePoints(s, []);
  assert.equal(s.t.length, 5);
});

test("capSeries thins the older half and keeps the newest points whole", () => {
  const s = createSeries();
  for (let i = 0; i < 100; i++) appendPoint(s, i, i);
  capSeries(s, 80);
  assert.equal(s.t.length, 75);
  assert.deepEqual(s.t.slice(-50), Array.from({ length: 50 }, (_, i) => 50 + i));
  for (let i = 1; i < s.t.length; i++) assert.ok(s.t[i] > s.t[i - 1]);
  capSeries(s, 1000);
  assert.equal(s.t.length, 75, "under the cap nothing changes");
});

test("slice takes the window plus one point on each side", () => {
  const s = fromPoints([[0, 0], [1, 1], [2, 2], [3, 3], [4, 4]]);
  assert.deepEqual(slice(s, 1.5, 2.5).t, [1, 2, 3]);
  assert.deepEqual(slice(s, 1, 3).t, [0, 1, 2, 3]);
  assert.deepEqual(slice(s, 10, 20).t, [4]);
  assert.deepEqual(slice(createSeries(), 0, 1).t, []);
});

test("decimate bounds the points drawn and keeps spikes", () => {
  const pts = Array.from({ length: 10000 }, (_, i) => [i, i === 5555 ? 1000 : Math.sin(i / 100)]);
  const s = fromPoints(pts);
  const d = decimate(s, 400);
  assert.ok(d.t.length <= 400, `${d.t.length} points`);
  assert.ok(d.v.includes(1000), "the spike survives");
  assert.equal(d.t[0], 0);
  assert.equal(d.t[d.t.length - 1], 9999);
  for (let i = 1; i < d.t.length; i++) assert.ok(d.t[i] > d.t[i - 1]);
  assert.equal(decimate(s, 20000), s, "short series are drawn as they are");
});

test("nearest and extent", () => {
  const s = fromPoints([[0, 5], [10, NaN], [20, -3]]);
  assert.deepEqual(nearest(s, 4), { t: 0, v: 5, index: 0 });
  assert.equal(nearest(s, 16).t, 20);
  assert.equal(nearest(s, 99).t, 20);
  assert.equal(nearest(createSeries(), 1), null);
  assert.deepEqual(extent(s), [-3, 5]);
  assert.equal(extent(fromPoints([[0, null]])), null);
});
