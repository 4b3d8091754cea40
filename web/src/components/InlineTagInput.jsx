// A compact field for one input tag (name, number, unit), or MAN/AUTO
// buttons for a switch; used on process pictures. Sends on Enter or when
// the field is left; a refused write turns it red with the reason as its
// tooltip (the input panel shows it in full).
import { useEffect, useState } from "react";
import { formatValue, isSwitch, parseInput } from "../lib/tags.js";
import ModeSwitch from "./ModeSwitch.jsx";

export default function InlineTagInput({ tag, steer, showName = true }) {
  const value = steer.valueOf(tag.name);
  const write = steer.writeOf(tag.name);
  const [text, setText] = useState(null);
  const [bad, setBad] = useState(null);
  useEffect(() => setBad(null), [value]);

  if (isSwitch(tag)) {
    return (
      <div className="inline-input">
        {showName && <span className="inline-name">{tag.name}</span>}
        <ModeSwitch tag={tag} value={value} write={write} disabled={steer.disabled} onCommit={(v) => steer.commit(tag.name, v)} compact />
      </div>
    );
  }
  const pending = write && write.state === "pending" ? write.value : null;
  const shown = pending ?? value ?? tag.default;
  const commit = () => {
    if (text === null) return;
    const p = parseInput(text, { ...tag, min: -Infinity, max: Infinity });
    if (p.error) {
      setBad(p.error);
      return;
    }
    setText(null);
    setBad(null);
    if (p.value !== value) steer.commit(tag.name, p.value);
  };
  const state = bad ? "error" : write ? write.state : "";
  const tip = bad || (write && write.state === "error" ? write.message : `${tag.description} (${tag.min} … ${tag.max} ${tag.unit})`);
  return (
    <label className={`inline-input write-${state}`} title={tip}>
      {showName && <span className="inline-name">{tag.name}</span>}
      <input
        type="text"
        inputMode="decimal"
        value={text ?? formatValue(shown, tag)}
        disabled={steer.disabled}
        data-testid={`pic-input-${tag.name}`}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter") commit();
          if (e.key === "Escape") setText(null);
        }}
        onBlur={commit}
      />
      <span className="inline-unit">{tag.unit}</span>
    </label>
  );
}
