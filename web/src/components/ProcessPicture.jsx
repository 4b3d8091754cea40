// The process picture of a model: a drawing for its kind of plant with
// live values and controls on it. Tags the drawing has no place for are
// listed under it.
import { pictureKind, placeTags } from "../lib/pictures.js";
import BlockDiagram, { blockSlots } from "./BlockDiagram.jsx";
import ColumnDiagram, { columnSlots } from "./ColumnDiagram.jsx";
import FourTankDiagram, { fourTankSlots } from "./FourTankDiagram.jsx";
import PictureTagList from "./PictureTagList.jsx";
import ReactorDiagram, { reactorSlots } from "./ReactorDiagram.jsx";
import SpringDamperDiagram, { springDamperSlots } from "./SpringDamperDiagram.jsx";

const DRAWINGS = {
  "spring-damper": [SpringDamperDiagram, springDamperSlots],
  column: [ColumnDiagram, columnSlots],
  reactor: [ReactorDiagram, reactorSlots],
  "four-tank": [FourTankDiagram, fourTankSlots],
  block: [BlockDiagram, blockSlots],
};

export default function ProcessPicture({ model, steer }) {
  const kind = pictureKind(model.id);
  const [Drawing, slots] = DRAWINGS[kind];
  const { at, rest } = placeTags(model.tags, slots);
  return (
    <figure className="panel picture" data-testid="process-picture" data-kind={kind}>
      <Drawing model={model} at={at} steer={steer} />
      <PictureTagList tags={rest} steer={steer} />
    </figure>
  );
}
