// How fast and how long a new sim runs.
const SCALES = [
  { value: 1, label: "real time" },
  { value: 10, label: "10×" },
  { value: 60, label: "60× (a minute a second)" },
  { value: 600, label: "600×" },
  { value: 3600, label: "3600× (an hour a second)" },
  { value: "max", label: "as fast as possible" },
];
const DURATIONS = [
  { value: 600, label: "10 min" },
  { value: 3600, label: "1 h" },
  { value: 86400, label: "1 day" },
  { value: 7 * 86400, label: "1 week" },
];

export default function StartOptions({ options, onChange }) {
  const set = (key) => (e) => {
    const raw = e.target.value;
    onChange({ ...options, [key]: raw === "max" ? "max" : Number(raw) });
  };
  return (
    <div className="start-options">
      <label>
        Speed
        <select value={String(options.time_scale)} onChange={set("time_scale")} data-testid="time-scale">
          {SCALES.map((s) => (
            <option key={s.value} value={String(s.value)}>
              {s.label}
            </option>
          ))}
        </select>
      </label>
      <label>
        Run for
        <select value={String(options.duration)} onChange={set("duration")} data-testid="duration">
          {DURATIONS.map((d) => (
            <option key={d.value} value={String(d.value)}>
              {d.label}
            </option>
          ))}
        </select>
        <span className="muted small">simulated</span>
      </label>
    </div>
  );
}
