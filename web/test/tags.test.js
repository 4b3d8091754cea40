import assert from "node:assert/strict";
import { test } from "node:test";
import { changedInputs, formatValue, groupLoops, inputsOf, isSwitch, outputsOf, parseInput, sliderStep } from "../src/lib/tags.js";

const R = { name: "R", kind: "input", unit: "lb/min", min: 0, max: 4, default: 1.95 };
const MODE = { name: "LC_D.MODE", kind: "input", unit: "", min: 0, max: 1, default: 1 };
const SP = { name: "LC_D.SP", kind: "input", unit: "kmol", min: 0, max: 1, default: 0.5 };
const PV = { name: "LC_D.PV", kind: "output", unit: "kmol", min: 0, max: 1, default: 0.5 };
const XD = { name: "xD", kind: "output", unit: "mol %", min: 0, max: 100, default: 96.25 };

test("inputs, outputs and switches come from the tag definitions", () => {
  const tags = [R, MODE, SP, PV, XD];
  assert.deepEqual(inputsOf(tags).map((t) => t.name), ["R", "LC_D.MODE", "LC_D.SP"]);
  assert.deepEqual(outputsOf(tags).map((t) => t.name), ["LC_D.PV", "xD"]);
  assert.equal(isSwitch(MODE), true);
  assert.equal(isSwitch(SP), false, "0..1 but not a MODE");
  assert.equal(isSwitch({ ...MODE, max: 2 }), false);
  assert.equal(isSwitch({ ...MODE, kind: "output" }), false);
});

test("loops are grouped, other tags stay single, in API order", () => {
  const g = groupLoops([R, MODE, SP, XD, PV]);
  assert.equal(g.length, 3);
  assert.equal(g[0].tag.name, "R");
  assert.equal(g[1].loop, "LC_D");
  assert.deepEqual(g[1].tags.map((t) => t.name), ["LC_D.MODE", "LC_D.SP", "LC_D.PV"]);
  assert.equal(g[2].tag.name, "xD");
});

test("slider steps are round and give about a thousand positions", () => {
  assert.equal(sliderStep(R), 0.005);
  assert.equal(sliderStep(XD), 0.1);
  assert.equal(sliderStep({ min: -10, max: 10 }), 0.02);
  assert.equal(sliderStep({ min: 1, max: 1 }), "any");
});

test("typed values are parsed and checked against the range", () => {
  assert.deepEqual(parseInput(" 2,5 ", R), { value: 2.5 });
  assert.match(parseInput("abc", R).error, /not a number/);
  assert.match(parseInput("", R).error, /enter a number/);
  assert.equal(parseInput("9", R).error, "R must be from 0 to 4 lb/min");
});

test("values are shown with the digits their range needs", () => {
  assert.equal(formatValue(96.2512, XD), "96.3");
  assert.equal(formatValue(1.95, R), "1.950");
  assert.equal(formatValue(0.99, SP), "0.990");
  assert.equal(formatValue(null, R), "—");
  assert.equal(formatValue(NaN, R), "—");
  assert.equal(formatValue(1e-7, R), "1.000e-7");
  assert.equal(formatValue(Infinity, R), "∞");
});

test("only changed inputs are sent with a start", () => {
  assert.deepEqual(changedInputs([R, XD, SP], { R: 1.95, "LC_D.SP": 0.7, xD: 1 }), { "LC_D.SP": 0.7 });
});
