// A tag on a picture: a control for an input, a live value for an output.
import PictureInput from "./PictureInput.jsx";
import PictureValue from "./PictureValue.jsx";

export default function PictureTag({ tag, steer, x, y, anchor = "start", width = 160 }) {
  if (!tag) return null;
  if (tag.kind === "input") {
    const left = anchor === "end" ? x - width : anchor === "middle" ? x - width / 2 : x;
    return <PictureInput tag={tag} steer={steer} x={left} y={y - 15} width={width} />;
  }
  return <PictureValue tag={tag} steer={steer} x={x} y={y} anchor={anchor} />;
}
