// A sim's state at a glance: its id, status, simulated time and speed, the
// live link, and what can be done with it (stop, restart, history, CSV).
import { formatSimTime, formatTimeScale } from "../lib/format.js";
import { historyPath } from "../lib/route.js";
import ConnectionBadge from "./ConnectionBadge.jsx";
import CsvDownloadButton from "./CsvDownloadButton.jsx";
import Link from "./Link.jsx";
import SimStatusBadge from "./SimStatusBadge.jsx";

export default function SimStatusBar({ data, model, onStop, onRestart }) {
  const rec = data.record || {};
  const status = data.status;
  return (
    <div className="sim-bar" data-testid="sim-bar">
      <div className="sim-bar-facts">
        <div>
          <span className="label">Simulation</span>
          <code data-testid="sim-id">{data.simId}</code>
        </div>
        <div>
          <span className="label">Status</span>
          <SimStatusBadge status={status} />
        </div>
        <div>
          <span className="label">Simulated time</span>
          <span className="num" data-testid="sim-time" data-t={data.t ?? ""}>
            {formatSimTime(data.t ?? rec.t)}
          </span>
          {rec.duration ? <span className="muted small"> of {formatSimTime(rec.duration)}</span> : null}
        </div>
        <div>
          <span className="label">Speed</span>
          <span data-testid="time-scale-shown">{formatTimeScale(rec.time_scale)}</span>
        </div>
        <div>
          <span className="label">Live link</span>
          <ConnectionBadge />
        </div>
      </div>
      <div className="sim-bar-actions">
        <button type="button" onClick={onStop} disabled={data.ended} data-testid="stop-button">
          Stop
        </button>
        <button type="button" onClick={onRestart} data-testid="restart-button" title="Start a new simulation of the same model at the same speed">
          Restart
        </button>
        <Link to={historyPath(data.simId)} className="button" data-testid="history-link">
          History
        </Link>
        <CsvDownloadButton simId={data.simId} modelId={model.id} tagDefs={model.tags} />
      </div>
    </div>
  );
}
