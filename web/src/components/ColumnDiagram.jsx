// A distillation column: trays, condenser and reflux drum on top with the
// reflux and distillate, reboiler with steam at the bottom with the
// bottoms product, feed at the side, level loops and tray temperatures
// where the model has them.
import { fractionOf, loopTags } from "../lib/pictures.js";
import PictureDefs from "./PictureDefs.jsx";
import PictureLoop from "./PictureLoop.jsx";
import PictureTag from "./PictureTag.jsx";

// The parts of a level loop the picture shows; tuning (KP, TI, TD) is
// listed under the picture and in the input panel.
const topLoop = /^(LC_?D|[A-Z]{2,3}_?(D|TOP|COND|DRUM))\.(MODE|SP|PV|OP)$/i;
const bottomLoop = /^(LC_?B|[A-Z]{2,3}_?(B|BOT|BOTTOM|REB|SUMP))\.(MODE|SP|PV|OP)$/i;

export const columnSlots = [
  { id: "topLoop", many: true, match: topLoop },
  { id: "bottomLoop", many: true, match: bottomLoop },
  { id: "reflux", kind: "input", match: /^(R|LT|L|reflux)$/i },
  { id: "boilup", kind: "input", match: /^(S|VB|V|Q|steam|boilup)$/i },
  { id: "feed", kind: "input", match: /^(F|feed)$/i },
  { id: "feedComp", match: /^(zF|z)$/i },
  { id: "feedQ", match: /^qF$/i },
  { id: "top", kind: "output", match: /^(xD|yD|xd|top)$/i },
  { id: "bottom", kind: "output", match: /^(xB|xb|bottom)$/i },
  { id: "distillate", match: /^(D|distillate)$/i },
  { id: "bottoms", match: /^(B|bottoms)$/i },
  { id: "drumHoldup", kind: "output", match: /^(MD|M_?D|Mcond)$/i },
  { id: "sumpHoldup", kind: "output", match: /^(MB|M_?B|Mreb)$/i },
  { id: "trays", kind: "output", many: true, limit: 9, match: /^T_?\d+$/ },
];

// Tray temperature labels, top down, leaving the feed line (y 260) clear.
const TRAY_LABEL_YS = [128, 156, 184, 212, 236, 288, 316, 344, 372];
const TRAY_YS = [130, 150, 170, 190, 210, 230, 250, 270, 290, 310, 330, 350, 370, 390];

export default function ColumnDiagram({ at, steer }) {
  const level = (tag) => (tag ? fractionOf(Number(steer.valueOf(tag.name)), { ...tag, min: 0, max: Math.max(tag.max, 1) }) : 0.5);
  const drumLevel = level(at.drumHoldup);
  const sumpLevel = level(at.sumpHoldup);
  const top = at.topLoop && at.topLoop.length ? loopOf(at.topLoop) : null;
  const bottom = at.bottomLoop && at.bottomLoop.length ? loopOf(at.bottomLoop) : null;
  const trays = at.trays || [];
  return (
    <svg viewBox="0 0 780 540" className="diagram" role="img" aria-label="distillation column">
      <PictureDefs />
      {/* column shell and trays */}
      <rect x="300" y="110" width="80" height="300" rx="32" className="vessel" />
      {TRAY_YS.map((y, i) => (
        <line key={y} x1={i % 2 ? 312 : 300} y1={y} x2={i % 2 ? 380 : 368} y2={y} className="tray" />
      ))}
      {/* overhead vapour, condenser, drum */}
      <path d="M340 110 V60 H468" className="pipe vapour" markerEnd="url(#arrow)" />
      <circle cx="490" cy="60" r="21" className="exchanger" />
      <path d="M474 52 l8 16 l8 -16 l8 16 l8 -16" className="coil" />
      <text x="490" y="30" textAnchor="middle" className="caption">condenser</text>
      <path d="M511 60 H580 V98" className="pipe" markerEnd="url(#arrow)" />
      <rect x="540" y="100" width="120" height="34" rx="17" className="vessel" />
      <rect x="543" y={103 + 28 * (1 - drumLevel)} width="114" height={28 * drumLevel} rx="12" className="liquid" />
      <text x="600" y="150" textAnchor="middle" className="caption small">reflux drum</text>
      {/* reflux back to the top tray */}
      <path d="M570 134 V170 H382" className="pipe" markerEnd="url(#arrow)" />
      <path d="M462 162 l16 16 v-16 l-16 16 z" className="valve" />
      <text x="470" y="160" textAnchor="middle" className="caption small">reflux</text>
      {/* distillate */}
      <path d="M640 134 V200 H770" className="pipe product" markerEnd="url(#arrow)" />
      <text x="770" y="192" textAnchor="end" className="caption">distillate</text>
      {/* feed */}
      <path d="M40 260 H298" className="pipe feed" markerEnd="url(#arrow)" />
      <text x="40" y="250" className="caption">feed</text>
      {/* reboiler, steam, boil-up, bottoms */}
      <path d="M340 410 V440 H466" className="pipe" markerEnd="url(#arrow)" />
      <rect x="468" y="418" width="66" height="44" rx="20" className="exchanger" />
      <rect x="471" y={421 + 38 * (1 - sumpLevel)} width="60" height={38 * sumpLevel} rx="16" className="liquid" />
      <text x="462" y="478" textAnchor="end" className="caption small">reboiler</text>
      <path d="M501 418 V380 H382" className="pipe vapour" markerEnd="url(#arrow)" />
      <path d="M740 440 H536" className="pipe steam" markerEnd="url(#arrow)" />
      <text x="740" y="432" textAnchor="end" className="caption">steam</text>
      <path d="M501 462 V500 H770" className="pipe product" markerEnd="url(#arrow)" />
      <text x="770" y="492" textAnchor="end" className="caption">bottoms</text>
      {/* values and controls */}
      <PictureTag tag={at.reflux} steer={steer} x={392} y={193} />
      <PictureTag tag={at.top} steer={steer} x={610} y={222} />
      <PictureTag tag={at.distillate} steer={steer} x={610} y={252} />
      <PictureTag tag={at.drumHoldup} steer={steer} x={668} y={118} />
      <PictureTag tag={at.feed} steer={steer} x={60} y={283} />
      <PictureTag tag={at.feedComp} steer={steer} x={60} y={317} />
      <PictureTag tag={at.feedQ} steer={steer} x={60} y={351} />
      <PictureTag tag={at.boilup} steer={steer} x={560} y={410} />
      <PictureTag tag={at.bottom} steer={steer} x={560} y={522} />
      <PictureTag tag={at.bottoms} steer={steer} x={380} y={522} />
      <PictureTag tag={at.sumpHoldup} steer={steer} x={545} y={470} />
      {trays.map((t, i) => (
        <PictureTag key={t.name} tag={t} steer={steer} x={292} y={TRAY_LABEL_YS[i]} anchor="end" />
      ))}
      {top && <PictureLoop name={top.name} parts={top.parts} steer={steer} x={8} y={14} />}
      {bottom && <PictureLoop name={bottom.name} parts={bottom.parts} steer={steer} x={8} y={420} />}
    </svg>
  );
}

function loopOf(tags) {
  const name = tags[0].name.replace(/\.[A-Z]+$/, "");
  return { name, parts: loopTags(tags, name) };
}
