// The trend windows a user can pick, in simulated seconds.
export const WINDOWS = [
  { id: "1m", label: "1 min", seconds: 60 },
  { id: "10m", label: "10 min", seconds: 600 },
  { id: "1h", label: "1 h", seconds: 3600 },
  { id: "all", label: "all", seconds: Infinity },
];

export function windowById(id) {
  return WINDOWS.find((w) => w.id === id) || WINDOWS[1];
}

// The time range [from, to] a trend shows: the last `seconds` up to the
// newest sample; "all" from the first point. An empty sim shows 0..window.
export function windowRange(win, tFirst, tLast) {
  const last = Number.isFinite(tLast) ? tLast : 0;
  if (!Number.isFinite(win.seconds)) {
    const first = Number.isFinite(tFirst) ? tFirst : 0;
    return [first, Math.max(last, first + 1)];
  }
  if (last < win.seconds) return [0, win.seconds];
  return [last - win.seconds, last];
}
