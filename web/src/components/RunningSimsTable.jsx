// The simulations running (or queued) now, polled every two seconds; ended
// ones on request.
import { useEffect, useState } from "react";
import { listSims } from "../api.js";
import { formatClock, formatSimTime, formatTimeScale } from "../lib/format.js";
import { ENDED } from "../lib/simData.js";
import { simPath } from "../lib/route.js";
import Link from "./Link.jsx";
import SimStatusBadge from "./SimStatusBadge.jsx";

const POLL_MS = 2000;

export default function RunningSimsTable({ models }) {
  const [sims, setSims] = useState(null);
  const [error, setError] = useState(null);
  const [showEnded, setShowEnded] = useState(false);

  useEffect(() => {
    let cancelled = false;
    let timer = 0;
    const poll = async () => {
      try {
        const list = await listSims();
        if (!cancelled) {
          setSims(list);
          setError(null);
        }
      } catch (e) {
        if (!cancelled) setError(e);
      }
      if (!cancelled) timer = setTimeout(poll, POLL_MS);
    };
    poll();
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, []);

  const titles = new Map((models || []).map((m) => [m.id, m.title]));
  const all = (sims || []).slice().sort((a, b) => (b.created_at || 0) - (a.created_at || 0));
  const running = all.filter((s) => !ENDED.has(s.status));
  const ended = all.filter((s) => ENDED.has(s.status));
  const shown = showEnded ? all : running;

  return (
    <div className="running-sims" data-testid="running-sims">
      {error && <p className="error-text">Cannot list simulations: {error.message}</p>}
      {sims && running.length === 0 && <p className="muted">No simulation is running. Open a model to start one.</p>}
      {shown.length > 0 && (
        <table className="sims-table">
          <thead>
            <tr>
              <th>Simulation</th>
              <th>Model</th>
              <th>Status</th>
              <th className="num">Simulated time</th>
              <th>Speed</th>
              <th>Started</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((s) => (
              <tr key={s.sim_id} data-testid={`sim-row-${s.sim_id}`}>
                <td>
                  <Link to={simPath(s.sim_id)}>
                    <code>{s.sim_id}</code>
                  </Link>
                </td>
                <td>{titles.get(s.model) || s.model}</td>
                <td>
                  <SimStatusBadge status={s.status} />
                </td>
                <td className="num">{formatSimTime(s.t)}</td>
                <td>{formatTimeScale(s.time_scale)}</td>
                <td>{formatClock(s.started_at || s.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {ended.length > 0 && (
        <button type="button" className="link-button" onClick={() => setShowEnded(!showEnded)}>
          {showEnded ? "Hide ended simulations" : `Show ${ended.length} ended simulation${ended.length === 1 ? "" : "s"}`}
        </button>
      )}
    </div>
  );
}
