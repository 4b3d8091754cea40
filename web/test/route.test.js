import assert from "node:assert/strict";
import { test } from "node:test";
import { formatSimTime, formatTimeScale, timeAxisUnit } from "../src/lib/format.js";
import { historyPath, modelPath, parseRoute, simPath } from "../src/lib/route.js";
import { WINDOWS, windowById, windowRange } from "../src/lib/windows.js";

test("routes survive a round trip and trailing slashes", () => {
  assert.deepEqual(parseRoute("/"), { page: "welcome" });
  assert.deepEqual(parseRoute(modelPath("wood-berry")), { page: "model", modelId: "wood-berry" });
  assert.deepEqual(parseRoute(simPath("3f9a") + "/"), { page: "sim", simId: "3f9a" });
  assert.deepEqual(parseRoute(historyPath("3f9a")), { page: "history", simId: "3f9a" });
  assert.equal(parseRoute("/nope/x/y").page, "notfound");
});

test("trend windows", () => {
  assert.deepEqual(WINDOWS.map((w) => w.id), ["1m", "10m", "1h", "all"]);
  assert.deepEqual(windowRange(windowById("1m"), 0, 30), [0, 60]);
  assert.deepEqual(windowRange(windowById("1m"), 0, 1000), [940, 1000]);
  assert.deepEqual(windowRange(windowById("all"), 5, 1000), [5, 1000]);
  assert.deepEqual(windowRange(windowById("all"), null, null), [0, 1]);
  assert.equal(windowById("bogus").id, "10m");
});

test("simulated time for people", () => {
  assert.equal(formatSimTime(42), "42.0 s");
  assert.equal(formatSimTime(725), "12 min 05 s");
  assert.equal(formatSimTime(3 * 3600 + 120), "3 h 02 min");
  assert.equal(formatSimTime(2 * 86400 + 4 * 3600), "2 d 04 h");
  assert.equal(formatSimTime(null), "—");
  assert.equal(formatTimeScale("max"), "as fast as possible");
  assert.equal(formatTimeScale(60), "60× real time");
  assert.deepEqual(timeAxisUnit(100), { unit: "s", div: 1 });
  assert.deepEqual(timeAxisUnit(600), { unit: "min", div: 60 });
  assert.deepEqual(timeAxisUnit(86400), { unit: "h", div: 3600 });
});
