// Tags a picture has no place for, listed under it so every tag of the
// model is on the picture's panel: values for outputs, fields for inputs.
import { formatValue } from "../lib/tags.js";
import InlineTagInput from "./InlineTagInput.jsx";

export default function PictureTagList({ tags, steer }) {
  if (!tags.length) return null;
  return (
    <div className="picture-tag-list" data-testid="picture-more-tags">
      {tags.map((t) =>
        t.kind === "input" ? (
          <div key={t.name} className="more-tag" data-testid={`pic-control-${t.name}`}>
            <InlineTagInput tag={t} steer={steer} />
          </div>
        ) : (
          <div key={t.name} className="more-tag output" title={t.description} data-testid={`pic-value-${t.name}`}>
            <span className="inline-name">{t.name}</span>
            <span className="num">{formatValue(steer.valueOf(t.name), t)}</span>
            <span className="inline-unit">{t.unit}</span>
          </div>
        ),
      )}
    </div>
  );
}
