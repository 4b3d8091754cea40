// A loop's mode (a 0/1 .MODE tag): MAN and AUTO buttons.
import { switchLabels } from "../lib/tags.js";
import WriteStatus from "./WriteStatus.jsx";

export default function ModeSwitch({ tag, value, write, disabled, onCommit, compact = false }) {
  const current = value ?? tag.default;
  return (
    <div className={`tag-control mode-switch ${compact ? "compact" : ""}`} data-testid={compact ? `pic-switch-${tag.name}` : `control-${tag.name}`}>
      {!compact && (
        <div className="tag-control-head" title={tag.description}>
          <strong>{tag.name}</strong> <span className="muted small">{tag.description}</span>
        </div>
      )}
      <div className="segmented" role="group" aria-label={tag.name}>
        {switchLabels().map((o) => (
          <button
            key={o.value}
            type="button"
            aria-pressed={current === o.value}
            className={current === o.value ? "on" : ""}
            disabled={disabled}
            data-testid={`${compact ? "pic-" : ""}switch-${tag.name}-${o.label}`}
            onClick={() => current !== o.value && onCommit(o.value)}
          >
            {o.label}
          </button>
        ))}
      </div>
      {!compact && <WriteStatus name={tag.name} tag={tag} write={write} />}
    </div>
  );
}
