// Johansson's quadruple tank: two pumps, each split by a valve between a
// lower tank and the upper tank on the other side; the upper tanks drain
// into the lower ones, the lower ones into the basin. Levels fill the
// tanks; level sensors sit beside the lower tanks.
import { fractionOf } from "../lib/pictures.js";
import PictureDefs from "./PictureDefs.jsx";
import PictureTag from "./PictureTag.jsx";

const n = (k) => (tag) => new RegExp(`^(h_?${k}|level_?${k}|L${k})$`, "i").test(tag.name);

export const fourTankSlots = [
  { id: "h1", kind: "output", match: n(1) },
  { id: "h2", kind: "output", match: n(2) },
  { id: "h3", kind: "output", match: n(3) },
  { id: "h4", kind: "output", match: n(4) },
  { id: "pump1", kind: "input", match: /^(v_?1|u_?1|pump_?1)$/i },
  { id: "pump2", kind: "input", match: /^(v_?2|u_?2|pump_?2)$/i },
  { id: "valve1", kind: "input", match: /^(gamma_?1|γ1|g1|split_?1)$/i },
  { id: "valve2", kind: "input", match: /^(gamma_?2|γ2|g2|split_?2)$/i },
  { id: "y1", kind: "output", match: /^y_?1$/i },
  { id: "y2", kind: "output", match: /^y_?2$/i },
];

const TANKS = {
  3: { x: 225, y: 60 },
  4: { x: 475, y: 60 },
  1: { x: 225, y: 250 },
  2: { x: 475, y: 250 },
};
const W = 100;
const H = 120;

export default function FourTankDiagram({ at, steer }) {
  const fill = (k) => {
    const tag = at[`h${k}`];
    return tag ? fractionOf(Number(steer.valueOf(tag.name)), tag) : 0;
  };
  return (
    <svg viewBox="0 0 800 520" className="diagram" role="img" aria-label="quadruple tank process">
      <PictureDefs />
      {/* basin */}
      <rect x="70" y="430" width="660" height="40" className="basin" />
      <rect x="72" y="446" width="656" height="22" className="liquid" />
      <text x="400" y="490" textAnchor="middle" className="caption small">basin</text>
      {/* pump 1 to valve 1: tank 1 and tank 4 */}
      <path d="M40 452 H72" className="pipe" />
      <circle cx="40" cy="420" r="17" className="pump" />
      <path d="M32 410 l18 10 l-18 10 z" className="pump-mark" />
      <path d="M40 403 V30 H92" className="pipe" />
      <path d="M92 22 l16 8 l-16 8 z M108 30 l16 -8 v16 z" className="valve" />
      <path d="M100 38 V230 H245 V248" className="pipe" markerEnd="url(#arrow)" />
      <path d="M124 30 H500 V58" className="pipe" markerEnd="url(#arrow)" />
      <text x="108" y="12" textAnchor="middle" className="caption small">valve 1</text>
      {/* pump 2 to valve 2: tank 2 and tank 3 */}
      <path d="M760 452 H728" className="pipe" />
      <circle cx="760" cy="420" r="17" className="pump" />
      <path d="M768 410 l-18 10 l18 10 z" className="pump-mark" />
      <path d="M760 403 V14 H708" className="pipe" />
      <path d="M708 6 l-16 8 l16 8 z M692 14 l-16 -8 v16 z" className="valve" />
      <path d="M700 22 V230 H555 V248" className="pipe" markerEnd="url(#arrow)" />
      <path d="M676 14 H300 V58" className="pipe" markerEnd="url(#arrow)" />
      <text x="692" y="40" textAnchor="middle" className="caption small">valve 2</text>
      <text x="40" y="454" textAnchor="middle" className="caption small" dy="24">pump 1</text>
      <text x="760" y="454" textAnchor="middle" className="caption small" dy="24">pump 2</text>
      {/* drains */}
      <path d="M275 180 V248" className="pipe" markerEnd="url(#arrow)" />
      <path d="M525 180 V248" className="pipe" markerEnd="url(#arrow)" />
      <path d="M275 370 V444" className="pipe" markerEnd="url(#arrow)" />
      <path d="M525 370 V444" className="pipe" markerEnd="url(#arrow)" />
      {/* tanks */}
      {[1, 2, 3, 4].map((k) => {
        const { x, y } = TANKS[k];
        const f = fill(k);
        return (
          <g key={k} data-testid={`tank-${k}`} data-fill={f.toFixed(3)}>
            <rect x={x + 2} y={y + H * (1 - f)} width={W - 4} height={H * f} className="liquid" />
            <rect x={x} y={y} width={W} height={H} className="tank" />
            <text x={x + W / 2} y={y + 24} textAnchor="middle" className="tank-number">
              {k}
            </text>
          </g>
        );
      })}
      {/* level sensors on the lower tanks */}
      <path d="M212 300 H225 M588 300 H575" className="pipe" />
      <circle cx="200" cy="300" r="13" className="sensor" />
      <text x="200" y="304" textAnchor="middle" className="caption small">LT</text>
      <circle cx="600" cy="300" r="13" className="sensor" />
      <text x="600" y="304" textAnchor="middle" className="caption small">LT</text>
      {/* values and controls */}
      <PictureTag tag={at.h3} steer={steer} x={275} y={130} anchor="middle" />
      <PictureTag tag={at.h4} steer={steer} x={525} y={130} anchor="middle" />
      <PictureTag tag={at.h1} steer={steer} x={275} y={320} anchor="middle" />
      <PictureTag tag={at.h2} steer={steer} x={525} y={320} anchor="middle" />
      <PictureTag tag={at.y1} steer={steer} x={212} y={334} anchor="end" />
      <PictureTag tag={at.y2} steer={steer} x={588} y={334} />
      <PictureTag tag={at.valve1} steer={steer} x={104} y={62} width={120} />
      <PictureTag tag={at.valve2} steer={steer} x={578} y={62} width={120} />
      <PictureTag tag={at.pump1} steer={steer} x={12} y={505} width={150} />
      <PictureTag tag={at.pump2} steer={steer} x={788} y={505} width={150} anchor="end" />
    </svg>
  );
}
