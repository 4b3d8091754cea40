import assert from "node:assert/strict";
import { test } from "node:test";
import { fractionOf, loopNames, loopTags, pictureKind, placeTags } from "../src/lib/pictures.js";

test("every model id gets a picture, unknown ones the block diagram", () => {
  assert.equal(pictureKind("spring-damper"), "spring-damper");
  assert.equal(pictureKind("wood-berry"), "column");
  assert.equal(pictureKind("column-a"), "column");
  assert.equal(pictureKind("cstr"), "reactor");
  assert.equal(pictureKind("ethylene-oxidation"), "reactor");
  assert.equal(pictureKind("quadruple-tank"), "four-tank");
  assert.equal(pictureKind("my-heater-lti"), "block");
  assert.equal(pictureKind(""), "block");
  assert.equal(pictureKind(undefined), "block");
});

test("slots take the first fitting tag once; the rest are returned in order", () => {
  const tags = [
    { name: "F", kind: "input" },
    { name: "R", kind: "input" },
    { name: "xD", kind: "output" },
    { name: "T3", kind: "output" },
    { name: "T7", kind: "output" },
    { name: "T9", kind: "output" },
    { name: "extra", kind: "output" },
  ];
  const { at, rest } = placeTags(tags, [
    { id: "reflux", kind: "input", match: /^R$/ },
    { id: "feed", match: /^F$/ },
    { id: "again", match: /^F$/ },
    { id: "top", kind: "input", match: /^xD$/ },
    { id: "trays", many: true, limit: 2, match: /^T\d+$/ },
  ]);
  assert.equal(at.reflux.name, "R");
  assert.equal(at.feed.name, "F");
  assert.equal(at.again, undefined, "a tag is placed once");
  assert.equal(at.top, undefined, "kind must fit");
  assert.deepEqual(at.trays.map((t) => t.name), ["T3", "T7"]);
  assert.deepEqual(rest.map((t) => t.name), ["xD", "T9", "extra"]);
  const all = placeTags(tags, []);
  assert.equal(all.rest.length, tags.length, "nothing placed: every tag is listed");
});

test("loop tags and fractions", () => {
  const tags = [{ name: "LC1.SP" }, { name: "LC1.MODE" }, { name: "h1" }, { name: "LC2.PV" }];
  assert.deepEqual(loopNames(tags), ["LC1", "LC2"]);
  assert.deepEqual(Object.keys(loopTags(tags, "LC1")), ["SP", "MODE"]);
  assert.equal(fractionOf(5, { min: 0, max: 20 }), 0.25);
  assert.equal(fractionOf(50, { min: 0, max: 20 }), 1);
  assert.equal(fractionOf(NaN, { min: 0, max: 20 }), 0);
});
