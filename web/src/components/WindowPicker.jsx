// How much simulated time the trends show.
import { WINDOWS } from "../lib/windows.js";

export default function WindowPicker({ value, onChange }) {
  return (
    <div className="segmented window-picker" role="group" aria-label="trend window">
      {WINDOWS.map((w) => (
        <button
          key={w.id}
          type="button"
          className={w.id === value ? "on" : ""}
          aria-pressed={w.id === value}
          data-testid={`window-${w.id}`}
          onClick={() => onChange(w.id)}
        >
          {w.label}
        </button>
      ))}
    </div>
  );
}
