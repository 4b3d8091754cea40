// A mass on a spring with a damper, fixed to a wall: the mass moves with
// the position output, arrows show the force input and the velocity.
import { useRef } from "react";
import { clamp } from "../lib/tags.js";
import PictureDefs from "./PictureDefs.jsx";
import PictureTag from "./PictureTag.jsx";

export const springDamperSlots = [
  { id: "force", kind: "input", match: /^(F|force|u)$/i },
  { id: "position", kind: "output", match: /^(x|pos|position)$/i },
  { id: "velocity", kind: "output", match: /^(v|vel|velocity)$/i },
];

const X0 = 350;        // left edge of the mass at rest
const HALF = 100;      // pixels from rest to the ruler's end
const SCALES = [2, 5, 10, 20, 50, 100, 1000];
const FLOOR = 230;

function spring(x1, x2, y) {
  const n = 12;
  const lead = 14;
  const seg = (x2 - x1 - 2 * lead) / n;
  let d = `M${x1} ${y} h${lead}`;
  for (let i = 0; i < n; i++) d += ` l${seg / 2} ${i % 2 ? 11 : -11} l${seg / 2} ${i % 2 ? -11 : 11}`;
  return `${d} L${x2} ${y}`;
}

export default function SpringDamperDiagram({ at, steer }) {
  const num = (tag) => (tag ? Number(steer.valueOf(tag.name)) || 0 : 0);
  const x = num(at.position);
  const v = num(at.velocity);
  const f = num(at.force);
  // The ruler's full scale grows (never shrinks) to keep the mass on it.
  const fullScale = useRef(SCALES[0]);
  while (Math.abs(x) > fullScale.current && fullScale.current < SCALES.at(-1)) {
    fullScale.current = SCALES.find((sc) => sc > fullScale.current);
  }
  const pxPerM = HALF / fullScale.current;
  const off = clamp(x * pxPerM, -HALF, HALF);
  const left = X0 + off;
  const right = left + 110;
  const fMax = at.force ? Math.max(Math.abs(at.force.min), Math.abs(at.force.max)) || 1 : 1;
  const fLen = clamp((f / fMax) * 90, -90, 90);
  const vLen = clamp(v * 40, -70, 70);
  return (
    <svg viewBox="0 40 760 255" className="diagram" role="img" aria-label="mass on a spring with a damper">
      <PictureDefs />
      {/* wall and floor */}
      <rect x="36" y="60" width="20" height={FLOOR - 60} fill="url(#hatch)" className="ground" />
      <line x1="56" y1="60" x2="56" y2={FLOOR} className="edge" />
      <rect x="56" y={FLOOR} width="520" height="14" fill="url(#hatch)" className="ground" />
      <line x1="56" y1={FLOOR} x2="576" y2={FLOOR} className="edge" />
      {/* spring */}
      <path d={spring(56, left, 160)} className="spring" />
      <text x={(56 + left) / 2} y="138" textAnchor="middle" className="caption">k</text>
      {/* damper: cylinder on the wall, piston on the mass */}
      <path d="M56 205 H66 M66 190 V220 H296 M66 190 H296" className="damper" />
      <line x1={180 + off} y1="194" x2={180 + off} y2="216" className="piston" />
      <line x1={180 + off} y1="205" x2={left} y2="205" className="damper" />
      <text x="180" y="183" textAnchor="middle" className="caption">c</text>
      {/* mass */}
      <rect x={left} y={FLOOR - 92} width="110" height="90" rx="4" className="mass" data-testid="mass" data-offset={off.toFixed(1)} />
      <text x={left + 55} y={FLOOR - 40} textAnchor="middle" className="mass-label">m</text>
      {/* force and velocity arrows */}
      {Math.abs(fLen) > 2 && (
        <line x1={right + (fLen < 0 ? -fLen + 4 : 4)} y1="175" x2={right + (fLen < 0 ? 4 : fLen + 4)} y2="175" className="force" markerEnd={fLen > 0 ? "url(#arrow-force)" : undefined} markerStart={fLen < 0 ? "url(#arrow-force)" : undefined} />
      )}
      {Math.abs(vLen) > 2 && (
        <line x1={left + 55} y1={FLOOR - 104} x2={left + 55 + vLen} y2={FLOOR - 104} className="velocity" markerEnd="url(#arrow)" />
      )}
      {/* ruler under the floor: 0 at rest */}
      <line x1={X0 - HALF} y1="262" x2={X0 + HALF} y2="262" className="ruler" />
      {[-1, -0.5, 0, 0.5, 1].map((k) => (
        <g key={k}>
          <line x1={X0 + k * HALF} y1="257" x2={X0 + k * HALF} y2="267" className="ruler" />
          <text x={X0 + k * HALF} y="282" textAnchor="middle" className="caption small">
            {+(k * fullScale.current).toPrecision(3)} m
          </text>
        </g>
      ))}
      <path d={`M${left} 262 l-6 -10 h12 z`} className="marker" />
      <PictureTag tag={at.force} steer={steer} x={590} y={84} />
      <PictureTag tag={at.velocity} steer={steer} x={590} y={128} />
      <PictureTag tag={at.position} steer={steer} x={590} y={270} />
    </svg>
  );
}
