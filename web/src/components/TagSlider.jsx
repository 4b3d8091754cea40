// One input tag: a slider and a number field within the tag's min..max,
// with its unit. The value is sent when the user lets go of the slider,
// presses Enter or leaves the field; what the sim accepted (or why it
// refused) shows underneath. Values written by others show when the user
// is not editing.
import { useEffect, useRef, useState } from "react";
import { formatValue, parseInput, sliderStep } from "../lib/tags.js";
import WriteStatus from "./WriteStatus.jsx";

export default function TagSlider({ tag, value, write, disabled, onCommit }) {
  const [draft, setDraft] = useState(null);   // number while the slider moves
  const [text, setText] = useState(null);     // string while the field is edited
  const [localError, setLocalError] = useState(null);
  const sliding = useRef(false);

  // Another client's value replaces a draft the user is not touching.
  useEffect(() => {
    if (!sliding.current) setDraft(null);
  }, [value]);

  const pending = write && write.state === "pending" ? write.value : null;
  const shown = draft ?? pending ?? value ?? tag.default;
  const commit = (x) => {
    setLocalError(null);
    if (x !== value) onCommit(x);
  };
  const endSlide = () => {
    if (!sliding.current) return;
    sliding.current = false;
    if (draft !== null) commit(draft);
    setDraft(null);
  };
  const commitText = () => {
    if (text === null) return;
    const parsed = parseInput(text, { ...tag, min: -Infinity, max: Infinity });
    if (parsed.error) {
      setLocalError(parsed.error);
      return;
    }
    setText(null);
    commit(parsed.value);
  };

  const id = `input-${tag.name}`;
  return (
    <div className={`tag-control ${disabled ? "disabled" : ""}`} data-testid={`control-${tag.name}`}>
      <div className="tag-control-head">
        <label htmlFor={id} title={tag.description}>
          <strong>{tag.name}</strong> <span className="muted small">{tag.description}</span>
        </label>
      </div>
      <div className="tag-control-row">
        <input
          type="range"
          aria-label={`${tag.name} slider`}
          min={tag.min}
          max={tag.max}
          step={sliderStep(tag)}
          value={shown}
          disabled={disabled}
          data-testid={`slider-${tag.name}`}
          onChange={(e) => {
            sliding.current = true;
            setDraft(Number(e.target.value));
          }}
          onPointerUp={endSlide}
          onKeyUp={endSlide}
          onBlur={endSlide}
        />
        <input
          id={id}
          className="num-field"
          type="text"
          inputMode="decimal"
          value={text ?? formatValue(shown, tag)}
          disabled={disabled}
          data-testid={`field-${tag.name}`}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter") commitText();
            if (e.key === "Escape") {
              setText(null);
              setLocalError(null);
            }
          }}
          onBlur={commitText}
        />
        <span className="unit">{tag.unit}</span>
      </div>
      <div className="tag-range muted small">
        {formatValue(tag.min, tag)} … {formatValue(tag.max, tag)} {tag.unit}
      </div>
      <WriteStatus name={tag.name} tag={tag} write={localError ? { state: "error", message: localError } : write} />
    </div>
  );
}
