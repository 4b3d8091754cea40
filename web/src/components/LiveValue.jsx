// A tag's latest value with its unit.
import { formatValue } from "../lib/tags.js";

export default function LiveValue({ tag, value }) {
  return (
    <span className="live-value" data-testid={`value-${tag.name}`} data-value={value ?? ""}>
      <span className="num">{formatValue(value, tag)}</span> <span className="unit">{tag.unit}</span>
    </span>
  );
}
