// Time series of one tag: parallel arrays of simulated time t (seconds,
// increasing) and value v. Pure data handling, no DOM: the trends, the
// history view and the CSV export all read these.

export function createSeries() {
  return { t: [], v: [] };
}

// Index of the first point with time >= t (binary search; t sorted).
export function lowerBound(ts, t) {
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// Add one point. A point at the time of the last one replaces it (a later
// report of the same sample wins); an older one is put in its place, so
// a late answer never scrambles the order.
export function appendPoint(s, t, v) {
  const n = s.t.length;
  if (!Number.isFinite(t)) return;
  const value = v === null || v === undefined ? NaN : Number(v);
  if (n === 0 || t > s.t[n - 1]) {
    s.t.push(t);
    s.v.push(value);
  } else if (t === s.t[n - 1]) {
    s.v[n - 1] = value;
  } else {
    const i = lowerBound(s.t, t);
    if (s.t[i] === t) s.v[i] = value;
    else {
      s.t.splice(i, 0, t);
      s.v.splice(i, 0, value);
    }
  }
}

// Merge points from the historian ([[t, v], ...], sorted) into a series
// that may already hold live samples. Where both have a time, the series'
// own point is kept (it is the newer report). Returns the same series.
export function mergePoints(s, points) {
  if (!points || points.length === 0) return s;
  const ts = [];
  const vs = [];
  let i = 0;
  let j = 0;
  const n = s.t.length;
  while (i < n || j < points.length) {
    const pt = j < points.length ? points[j][0] : Infinity;
    const st = i < n ? s.t[i] : Infinity;
    if (st < pt) {
      ts.push(st);
      vs.push(s.v[i++]);
    } else if (pt < st) {
      const raw = points[j++][1];
      ts.push(pt);
      vs.push(raw === null || raw === undefined ? NaN : Number(raw));
    } else {
      ts.push(st);
      vs.push(s.v[i++]);
      j++;
    }
  }
  s.t = ts;
  s.v = vs;
  return s;
}

// Keep a long run within maxLen points: when over, the older half is
// thinned to every other point, so recent data stays at full resolution
// and memory stays bounded on a sim that runs for days.
export function capSeries(s, maxLen) {
  if (s.t.length <= maxLen) return s;
  const half = s.t.length >> 1;
  const ts = [];
  const vs = [];
  for (let i = 0; i < half; i += 2) {
    ts.push(s.t[i]);
    vs.push(s.v[i]);
  }
  s.t = ts.concat(s.t.slice(half));
  s.v = vs.concat(s.v.slice(half));
  return s;
}

// Points with from <= t <= to, plus the one just before `from` so a line
// enters the window from its left edge.
export function slice(s, from, to) {
  let i = lowerBound(s.t, from);
  if (i > 0) i--;
  let j = lowerBound(s.t, to);
  if (j < s.t.length && s.t[j] === to) j++;
  else if (j < s.t.length) j++;  // the one just after, for the right edge
  return { t: s.t.slice(i, j), v: s.v.slice(i, j) };
}

// At most about maxPoints points for drawing: per bucket the first,
// the lowest, the highest and the last point, in time order, so spikes
// survive downsampling.
export function decimate(s, maxPoints) {
  const n = s.t.length;
  if (n <= maxPoints || maxPoints < 8) return s;
  const buckets = Math.max(1, Math.floor(maxPoints / 4));
  const size = n / buckets;
  const ts = [];
  const vs = [];
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor(b * size);
    const end = Math.min(n, Math.floor((b + 1) * size));
    if (end <= start) continue;
    let lo = start;
    let hi = start;
    for (let k = start; k < end; k++) {
      if (s.v[k] < s.v[lo]) lo = k;
      if (s.v[k] > s.v[hi]) hi = k;
    }
    const picks = [...new Set([start, lo, hi, end - 1])].sort((a, b2) => a - b2);
    for (const k of picks) {
      ts.push(s.t[k]);
      vs.push(s.v[k]);
    }
  }
  return { t: ts, v: vs };
}

// The point nearest to time t, or null for an empty series.
export function nearest(s, t) {
  const n = s.t.length;
  if (n === 0) return null;
  let i = lowerBound(s.t, t);
  if (i >= n) i = n - 1;
  else if (i > 0 && t - s.t[i - 1] < s.t[i] - t) i--;
  return { t: s.t[i], v: s.v[i], index: i };
}

// Lowest and highest finite value (null when there is none).
export function extent(s) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of s.v) {
    if (Number.isFinite(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return lo <= hi ? [lo, hi] : null;
}

// A series from the historian's [[t, v], ...].
export function fromPoints(points) {
  const s = createSeries();
  return mergePoints(s, points || []);
}
