import assert from "node:assert/strict";
import { test } from "node:test";
import { csvFileName, historyToCsv } from "../src/lib/csv.js";

const DEFS = [
  { name: "R", unit: "lb/min" },
  { name: "xD", unit: "mol %" },
  { name: "LC_D.MODE", unit: "" },
];

test("one row per time, one column per tag in model order, units in the header", () => {
  const csv = historyToCsv(
    { sim_id: "s", tags: { xD: [[0, 96.25], [1, 96.3]], R: [[0, 1.95], [1, 2.1], [2, 2.1]] } },
    DEFS,
  );
  assert.equal(csv, "t_s,R [lb/min],xD [mol %]\n0,1.95,96.25\n1,2.1,96.3\n2,2.1,\n");
});

test("nulls are empty cells; odd names are quoted; unknown tags go last", () => {
  const csv = historyToCsv({ tags: { 'a,"b"': [[0, 1]], xD: [[0, null]] } }, DEFS);
  assert.equal(csv, 't_s,xD [mol %],"a,""b"""\n0,,1\n');
});

test("an empty history is a header", () => {
  assert.equal(historyToCsv({ tags: {} }, DEFS), "t_s\n");
  assert.equal(historyToCsv(null), "t_s\n");
  assert.equal(csvFileName("abc", "wood-berry"), "pde-wood-berry-abc.csv");
});
