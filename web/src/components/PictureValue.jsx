// An output's live value on a process picture: "name value unit" in a
// small box whose left (anchor "start"), middle or right end is at (x, y).
import { formatValue } from "../lib/tags.js";

export default function PictureValue({ tag, steer, x, y, anchor = "start" }) {
  if (!tag) return null;
  const value = steer.valueOf(tag.name);
  const text = `${formatValue(value, tag)}`;
  const w = Math.round((tag.name.length + text.length + (tag.unit || "").length) * 6.9 + 22);
  const left = anchor === "end" ? -w : anchor === "middle" ? -w / 2 : 0;
  return (
    <g className={`pic-value kind-${tag.kind}`} transform={`translate(${x},${y})`} data-testid={`pic-value-${tag.name}`}>
      <title>{tag.description}</title>
      <rect x={left} y={-12} width={w} height={22} rx={4} />
      <text x={left + 7} y={4}>
        <tspan className="pic-name">{tag.name}</tspan>
        <tspan className="pic-num" dx="6">
          {text}
        </tspan>
        <tspan className="pic-unit" dx="4">
          {tag.unit}
        </tspan>
      </text>
    </g>
  );
}
