// One model on the front page: its title, description and tag counts,
// with a thumbnail of its process picture.
import { inputsOf, outputsOf } from "../lib/tags.js";
import { pictureKind } from "../lib/pictures.js";
import { modelPath } from "../lib/route.js";
import Link from "./Link.jsx";
import ProcessThumbnail from "./ProcessThumbnail.jsx";

export default function ModelCard({ model }) {
  const nIn = inputsOf(model.tags).length;
  const nOut = outputsOf(model.tags).length;
  return (
    <Link to={modelPath(model.id)} className="model-card" data-testid={`model-card-${model.id}`}>
      <ProcessThumbnail kind={pictureKind(model.id)} />
      <div className="model-card-text">
        <h3>{model.title}</h3>
        <code className="model-id">{model.id}</code>
        <p>{model.description}</p>
        <p className="muted small">
          {nIn} input{nIn === 1 ? "" : "s"} · {nOut} output{nOut === 1 ? "" : "s"}
        </p>
      </div>
    </Link>
  );
}
