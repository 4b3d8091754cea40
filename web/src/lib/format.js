// Time and number formatting for the user.

// Simulated seconds as "42.0 s", "12 min 05 s", "3 h 02 min", "2 d 04 h".
export function formatSimTime(sec) {
  if (sec === null || sec === undefined || !Number.isFinite(sec)) return "—";
  const s = Math.max(0, sec);
  if (s < 60) return `${s.toFixed(1)} s`;
  const total = Math.floor(s);
  const d = Math.floor(total / 86400);
  const h = Math.floor((total % 86400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const r = total % 60;
  const two = (x) => String(x).padStart(2, "0");
  if (d > 0) return `${d} d ${two(h)} h`;
  if (h > 0) return `${h} h ${two(m)} min`;
  return `${m} min ${two(r)} s`;
}

// Tick labels for a time axis in simulated seconds, picking the unit from
// the span shown.
export function timeAxisUnit(spanSeconds) {
  if (spanSeconds <= 180) return { unit: "s", div: 1 };
  if (spanSeconds <= 3 * 3600) return { unit: "min", div: 60 };
  if (spanSeconds <= 3 * 86400) return { unit: "h", div: 3600 };
  return { unit: "d", div: 86400 };
}

export function formatTimeScale(scale) {
  if (scale === 0 || scale === "max") return "as fast as possible";
  if (scale === null || scale === undefined) return "—";
  return `${+Number(scale).toPrecision(4)}× real time`;
}

export function formatClock(unixSeconds) {
  if (!unixSeconds) return "—";
  const d = new Date(unixSeconds * 1000);
  return d.toLocaleString();
}
