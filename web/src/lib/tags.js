// What the front end derives from a model's tag definitions (TAGDEF from
// GET /api/models/). Nothing here names a particular model's tags: every
// tag shown comes from the API.

export function inputsOf(tags) {
  return tags.filter((t) => t.kind === "input");
}

export function outputsOf(tags) {
  return tags.filter((t) => t.kind === "output");
}

// A switch: a loop's MODE tag (0 = MAN, 1 = AUTO), shown as two buttons.
export function isSwitch(tag) {
  return tag.kind === "input" && tag.min === 0 && tag.max === 1 && /\.MODE$/.test(tag.name);
}

export function switchLabels() {
  return [
    { value: 0, label: "MAN" },
    { value: 1, label: "AUTO" },
  ];
}

// A slider step that gives about 1000 positions, rounded to 1, 2 or 5
// times a power of ten.
export function sliderStep(tag) {
  const span = tag.max - tag.min;
  if (!(span > 0) || !Number.isFinite(span)) return "any";
  const raw = span / 1000;
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const m = raw / p;
  const nice = m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10;
  return +(nice * p).toPrecision(6);
}

export function clamp(x, lo, hi) {
  return Math.min(hi, Math.max(lo, x));
}

// Parse what a user typed; returns {value} or {error} in plain words.
export function parseInput(text, tag) {
  const s = String(text).trim().replace(",", ".");
  if (s === "") return { error: `enter a number for ${tag.name}` };
  const x = Number(s);
  if (!Number.isFinite(x)) return { error: `"${text}" is not a number` };
  if (x < tag.min || x > tag.max) {
    return { error: `${tag.name} must be from ${fmt(tag.min)} to ${fmt(tag.max)} ${tag.unit || ""}`.trim() };
  }
  return { value: x };
}

// A value for display: about 4 significant digits, but never hiding the
// digits the tag's range needs (a 0..1 fraction shows 0.9950, not 1).
export function formatValue(v, tag) {
  if (v === null || v === undefined || Number.isNaN(v)) return "—";
  if (!Number.isFinite(v)) return v > 0 ? "∞" : "−∞";
  const span = tag && Number.isFinite(tag.max - tag.min) ? Math.abs(tag.max - tag.min) : 0;
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e6 || a < 1e-4)) return v.toExponential(3);
  let decimals;
  if (span > 0) decimals = Math.max(0, Math.min(6, 3 - Math.floor(Math.log10(span))));
  else decimals = a === 0 ? 0 : Math.max(0, Math.min(6, 3 - Math.floor(Math.log10(a))));
  return v.toFixed(decimals);
}

function fmt(x) {
  return Number.isInteger(x) ? String(x) : String(+x.toPrecision(6));
}

// Tags named <loop>.<PART> grouped per loop, in API order; the others
// stay single. Returns [{loop: "LC_D", tags: [...]}, {tag}, ...].
export function groupLoops(tags) {
  const out = [];
  const loops = new Map();
  for (const tag of tags) {
    const m = /^(.+)\.([A-Z]+)$/.exec(tag.name);
    if (m) {
      let g = loops.get(m[1]);
      if (!g) {
        g = { loop: m[1], tags: [] };
        loops.set(m[1], g);
        out.push(g);
      }
      g.tags.push(tag);
    } else {
      out.push({ tag });
    }
  }
  return out;
}

// The input tags' values to start a sim with: only those a user changed
// from the model's default.
export function changedInputs(tags, values) {
  const out = {};
  for (const tag of inputsOf(tags)) {
    const v = values[tag.name];
    if (Number.isFinite(v) && v !== tag.default) out[tag.name] = v;
  }
  return out;
}
