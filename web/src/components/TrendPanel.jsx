// Trends of every output, then every input, over the chosen window of
// simulated time, with a shared hover time so all readouts line up.
import { useState } from "react";
import { inputsOf, outputsOf } from "../lib/tags.js";
import { windowById, windowRange } from "../lib/windows.js";
import TrendCard from "./TrendCard.jsx";
import WindowPicker from "./WindowPicker.jsx";

export default function TrendPanel({ tags, data, steer, windowId, onWindow }) {
  const [hoverT, setHoverT] = useState(null);
  const win = windowById(windowId);
  const [first, last] = data ? data.timeRange() : [null, null];
  const range = windowRange(win, first, last);
  // Many tags: smaller charts, so the page stays one screen or two.
  const compact = tags.length > 10;
  const card = (tag, step) => (
    <TrendCard
      key={tag.name}
      tag={tag}
      series={data ? data.seriesOf(tag.name) : null}
      value={steer.valueOf(tag.name)}
      range={range}
      step={step}
      hoverT={hoverT}
      onHover={setHoverT}
      height={(step ? 96 : 120) - (compact ? 28 : 0)}
    />
  );
  const outputs = outputsOf(tags);
  const inputs = inputsOf(tags);
  return (
    <section className="panel trend-panel" aria-label="trends">
      <div className="trend-panel-head">
        <h2>Outputs</h2>
        <WindowPicker value={win.id} onChange={onWindow} />
      </div>
      {!data && <p className="muted small">Trends fill once the simulation runs.</p>}
      <div className={`trend-grid ${compact ? "compact" : ""}`}>{outputs.map((t) => card(t, false))}</div>
      {inputs.length > 0 && (
        <>
          <h2 className="inputs-heading">Inputs</h2>
          <div className={`trend-grid ${compact ? "compact" : ""}`}>{inputs.map((t) => card(t, true))}</div>
        </>
      )}
    </section>
  );
}
