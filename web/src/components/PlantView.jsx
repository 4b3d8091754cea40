// The body of a model or sim page: the process picture with values and
// controls on it, a control for every input, and a trend for every tag.
// steer: {valueOf, writeOf, commit, disabled, disabledReason, mode};
// data: the SimData (null before a sim runs).
import { useState } from "react";
import InputPanel from "./InputPanel.jsx";
import ProcessPicture from "./ProcessPicture.jsx";
import TrendPanel from "./TrendPanel.jsx";

export default function PlantView({ model, steer, data }) {
  const [windowId, setWindowId] = useState("10m");
  return (
    <div className="plant-view">
      <div className="plant-left">
        <ProcessPicture model={model} steer={steer} />
        <InputPanel tags={model.tags} steer={steer} />
      </div>
      <div className="plant-right">
        <TrendPanel tags={model.tags} data={data} steer={steer} windowId={windowId} onWindow={setWindowId} />
      </div>
    </div>
  );
}
