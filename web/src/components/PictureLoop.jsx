// A control loop on a picture: its bubble (e.g. LC for a level
// controller) with mode buttons, set point, and measured value and output.
import { formatValue } from "../lib/tags.js";
import InlineTagInput from "./InlineTagInput.jsx";

export default function PictureLoop({ name, parts, steer, x, y, line }) {
  if (!parts || Object.keys(parts).length === 0) return null;
  const letters = (name.match(/^[A-Z]{2,3}/) || ["C"])[0];
  const show = (key) => {
    const t = parts[key];
    if (!t) return null;
    if (t.kind === "input") return <InlineTagInput key={key} tag={t} steer={steer} showName={false} />;
    return (
      <span key={key} className="loop-value" data-testid={`pic-value-${t.name}`}>
        {formatValue(steer.valueOf(t.name), t)} {t.unit}
      </span>
    );
  };
  return (
    <g className="pic-loop" data-testid={`pic-loop-${name}`}>
      {line && <path className="signal" d={line} />}
      <circle cx={x + 20} cy={y + 20} r={19} />
      <text x={x + 20} y={y + 25} textAnchor="middle" className="loop-letters">
        {letters}
      </text>
      <foreignObject x={x + 44} y={y - 4} width={206} height={116}>
        <div className="loop-box">
          <div className="loop-title">{name}</div>
          {parts.MODE && <div className="loop-row">{show("MODE")}</div>}
          {parts.SP && (
            <div className="loop-row">
              <span className="loop-key">SP</span>
              {show("SP")}
            </div>
          )}
          {parts.PV && (
            <div className="loop-row">
              <span className="loop-key">PV</span>
              {show("PV")}
            </div>
          )}
          {parts.OP && (
            <div className="loop-row">
              <span className="loop-key">OP</span>
              {show("OP")}
            </div>
          )}
        </div>
      </foreignObject>
    </g>
  );
}
