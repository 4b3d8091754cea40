// Any model, drawn as one block: inputs come in on the left with their
// controls, outputs leave on the right with their live values.
import PictureDefs from "./PictureDefs.jsx";
import PictureTag from "./PictureTag.jsx";

export const blockSlots = [
  { id: "inputs", kind: "input", many: true, match: /./ },
  { id: "outputs", kind: "output", many: true, match: /./ },
];

const ROW = 40;

export default function BlockDiagram({ model, at, steer }) {
  const inputs = at.inputs || [];
  const outputs = at.outputs || [];
  const rows = Math.max(inputs.length, outputs.length, 2);
  const h = rows * ROW + 60;
  const boxTop = 30;
  const boxH = rows * ROW;
  const rowY = (i, count) => boxTop + (boxH / count) * (i + 0.5);
  return (
    <svg viewBox={`0 0 780 ${h}`} className="diagram" role="img" aria-label={`block diagram of ${model.id}`}>
      <PictureDefs />
      <rect x="290" y={boxTop} width="200" height={boxH} rx="8" className="block" />
      <foreignObject x="296" y={boxTop + boxH / 2 - 40} width="188" height="80">
        <div className="block-title">
          <code>{model.id}</code>
          <div>{model.title}</div>
        </div>
      </foreignObject>
      {inputs.map((tag, i) => {
        const y = rowY(i, inputs.length);
        return (
          <g key={tag.name}>
            <path d={`M196 ${y} H288`} className="pipe signal-in" markerEnd="url(#arrow)" />
            <PictureTag tag={tag} steer={steer} x={14} y={y} width={176} />
          </g>
        );
      })}
      {outputs.map((tag, i) => {
        const y = rowY(i, outputs.length);
        return (
          <g key={tag.name}>
            <path d={`M490 ${y} H580`} className="pipe signal-out" markerEnd="url(#arrow)" />
            <PictureTag tag={tag} steer={steer} x={588} y={y} />
          </g>
        );
      })}
    </svg>
  );
}
