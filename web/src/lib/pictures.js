// Which process picture a model gets, and which of its tags go where on
// it. Pictures know the shape of a kind of plant (a column has a reflux
// and a reboiler); the tags themselves always come from the API: a slot
// takes the first tag whose name fits it, and tags no slot takes are
// listed beside the picture, so every tag the model declares is shown
// once and nothing the model lacks is drawn as a value.

export function pictureKind(modelId) {
  const id = String(modelId || "").toLowerCase();
  if (id === "spring-damper" || /spring|mass/.test(id)) return "spring-damper";
  if (/^wood-berry/.test(id) || id === "column-a" || /column|distil/.test(id)) return "column";
  if (id === "cstr" || id === "ethylene-oxidation" || /reactor|cstr|oxidation/.test(id)) return "reactor";
  if (id === "quadruple-tank" || /tank/.test(id)) return "four-tank";
  return "block";
}

// slots: [{id, match: RegExp | (tag) => bool, kind?: "input"|"output",
// many?: true, limit?: n}]. Returns {at: {slotId: tag or [tags] for many}, rest: [...]}.
export function placeTags(tags, slots) {
  const used = new Set();
  const at = {};
  for (const slot of slots) {
    const fits = (tag) =>
      !used.has(tag.name) &&
      (!slot.kind || tag.kind === slot.kind) &&
      (typeof slot.match === "function" ? slot.match(tag) : slot.match.test(tag.name));
    if (slot.many) {
      const all = tags.filter(fits).slice(0, slot.limit ?? Infinity);
      all.forEach((t) => used.add(t.name));
      at[slot.id] = all;
    } else {
      const tag = tags.find(fits);
      if (tag) {
        used.add(tag.name);
        at[slot.id] = tag;
      }
    }
  }
  return { at, rest: tags.filter((t) => !used.has(t.name)) };
}

// Loop tags (<loop>.SP, .PV, .OP, .MODE, ...) of one loop.
export function loopTags(tags, loop) {
  const prefix = loop + ".";
  const out = {};
  for (const t of tags) if (t.name.startsWith(prefix)) out[t.name.slice(prefix.length)] = t;
  return out;
}

export function loopNames(tags) {
  const names = [];
  for (const t of tags) {
    const m = /^(.+)\.[A-Z]+$/.exec(t.name);
    if (m && !names.includes(m[1])) names.push(m[1]);
  }
  return names;
}

// Fraction 0..1 of a value within its tag's range (for levels, colours).
export function fractionOf(value, tag) {
  if (!tag || !Number.isFinite(value)) return 0;
  const span = tag.max - tag.min;
  if (!(span > 0)) return 0;
  return Math.min(1, Math.max(0, (value - tag.min) / span));
}
