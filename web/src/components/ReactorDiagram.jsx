// A stirred tank reactor with a cooling jacket: feed in at the top,
// product out at the bottom, coolant through the jacket. The liquid's
// colour follows the reactor temperature within its range.
import { fractionOf } from "../lib/pictures.js";
import PictureDefs from "./PictureDefs.jsx";
import PictureTag from "./PictureTag.jsx";

export const reactorSlots = [
  { id: "coolant", kind: "input", match: /^(Tc|Tj|Tcool|coolant)$/i },
  { id: "feedFlow", kind: "input", match: /^(q|Q|F|u1|feed|flow)$/i },
  { id: "feedConc", kind: "input", match: /^(CAf|Cf|C_?in|u2|zF)$/i },
  { id: "feedTemp", kind: "input", match: /^(Tf|T_?in|T0)$/i },
  { id: "temperature", kind: "output", match: /^(T|x4|temp|temperature)$/i },
  { id: "concentration", kind: "output", match: /^(CA|C|x2|conc)$/i },
  { id: "outputs", kind: "output", many: true, limit: 6, match: /./ },
  { id: "inputs", kind: "input", many: true, limit: 2, match: /./ },
];

function heat(f) {
  // blue (cold) to red (hot)
  const r = Math.round(60 + 190 * f);
  const g = Math.round(130 - 60 * f);
  const b = Math.round(210 - 170 * f);
  return `rgb(${r},${g},${b})`;
}

export default function ReactorDiagram({ at, steer }) {
  const t = at.temperature;
  const hot = t ? fractionOf(Number(steer.valueOf(t.name)), t) : 0.3;
  const others = at.outputs || [];
  const extraInputs = at.inputs || [];
  const vessel = "M300 140 a80 34 0 0 1 160 0 V330 a80 44 0 0 1 -160 0 Z";
  return (
    <svg viewBox="0 0 780 470" className="diagram" role="img" aria-label="stirred tank reactor with cooling jacket">
      <PictureDefs />
      <clipPath id="vessel-clip">
        <path d={vessel} />
      </clipPath>
      {/* jacket */}
      <path d="M284 190 V330 a96 56 0 0 0 192 0 V190 Z" className="jacket" />
      {/* vessel and liquid */}
      <path d={vessel} className="vessel" />
      <rect x="300" y="180" width="160" height="200" clipPath="url(#vessel-clip)" fill={heat(hot)} opacity="0.75" data-testid="reactor-liquid" />
      <line x1="300" y1="180" x2="460" y2="180" className="surface" />
      {/* agitator */}
      <rect x="362" y="58" width="36" height="30" rx="4" className="motor" />
      <text x="380" y="78" textAnchor="middle" className="caption small">M</text>
      <line x1="380" y1="88" x2="380" y2="330" className="shaft" />
      <path d="M350 322 h60 v16 h-60 z" className="impeller" />
      {/* feed */}
      <path d="M40 110 H330 V150" className="pipe feed" markerEnd="url(#arrow)" />
      <text x="40" y="100" className="caption">feed</text>
      {/* product */}
      <path d="M380 374 V430 H770" className="pipe product" markerEnd="url(#arrow)" />
      <text x="770" y="422" textAnchor="end" className="caption">product</text>
      {/* coolant */}
      <path d="M40 360 H282" className="pipe coolant" markerEnd="url(#arrow)" />
      <text x="40" y="350" className="caption">coolant in</text>
      <path d="M478 206 H600" className="pipe coolant" markerEnd="url(#arrow)" />
      <text x="600" y="198" textAnchor="end" className="caption">coolant out</text>
      {/* values and controls */}
      <PictureTag tag={at.feedFlow} steer={steer} x={60} y={140} />
      <PictureTag tag={at.feedConc} steer={steer} x={60} y={176} />
      <PictureTag tag={at.feedTemp} steer={steer} x={60} y={212} />
      {extraInputs.map((tag, i) => (
        <PictureTag key={tag.name} tag={tag} steer={steer} x={60} y={248 + 36 * i} />
      ))}
      <PictureTag tag={at.coolant} steer={steer} x={60} y={392} />
      <PictureTag tag={at.temperature} steer={steer} x={380} y={230} anchor="middle" />
      <PictureTag tag={at.concentration} steer={steer} x={380} y={270} anchor="middle" />
      {others.map((tag, i) => (
        <PictureTag key={tag.name} tag={tag} steer={steer} x={520} y={250 + 28 * i} />
      ))}
    </svg>
  );
}
