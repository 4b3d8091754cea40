// A control for every input tag, loops (<loop>.SP, .MODE, ...) together.
import { groupLoops, inputsOf, isSwitch } from "../lib/tags.js";
import ModeSwitch from "./ModeSwitch.jsx";
import TagSlider from "./TagSlider.jsx";

function Control({ tag, steer }) {
  const props = {
    tag,
    value: steer.valueOf(tag.name),
    write: steer.writeOf(tag.name),
    disabled: steer.disabled,
    onCommit: (v) => steer.commit(tag.name, v),
  };
  return isSwitch(tag) ? <ModeSwitch {...props} /> : <TagSlider {...props} />;
}

export default function InputPanel({ tags, steer }) {
  const inputs = inputsOf(tags);
  if (!inputs.length) return null;
  return (
    <section className="panel input-panel" aria-label="inputs">
      <h2>Inputs</h2>
      {steer.disabled && steer.disabledReason && (
        <p className="muted small" data-testid="inputs-disabled">Controls are off: {steer.disabledReason}.</p>
      )}
      {groupLoops(inputs).map((g) =>
        g.tag ? (
          <Control key={g.tag.name} tag={g.tag} steer={steer} />
        ) : (
          <fieldset key={g.loop} className="loop-group">
            <legend>Loop {g.loop}</legend>
            {g.tags.map((t) => (
              <Control key={t.name} tag={t} steer={steer} />
            ))}
          </fieldset>
        ),
      )}
    </section>
  );
}
