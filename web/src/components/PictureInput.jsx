// An input tag's control placed on a process picture at (x, y), its top
// left corner, in the picture's coordinates.
import InlineTagInput from "./InlineTagInput.jsx";

export default function PictureInput({ tag, steer, x, y, width = 160 }) {
  if (!tag) return null;
  return (
    <foreignObject x={x} y={y} width={width} height={30} className="pic-input" data-testid={`pic-control-${tag.name}`}>
      <InlineTagInput tag={tag} steer={steer} />
    </foreignObject>
  );
}
