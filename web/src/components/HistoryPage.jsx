// The whole run of a sim (/sims/{SimID}/history): pick any tags and see
// them over every simulated second so far, from the historian; download
// all of it as CSV.
import { useCallback, useEffect, useState } from "react";
import { getHistory, getModel, getSim } from "../api.js";
import { useDocumentTitle } from "../hooks/useDocumentTitle.js";
import { formatSimTime } from "../lib/format.js";
import { simPath } from "../lib/route.js";
import { fromPoints } from "../lib/series.js";
import { ENDED } from "../lib/simData.js";
import CsvDownloadButton from "./CsvDownloadButton.jsx";
import ErrorBanner from "./ErrorBanner.jsx";
import Link from "./Link.jsx";
import SimStatusBadge from "./SimStatusBadge.jsx";
import TrendChart from "./TrendChart.jsx";

const MAX_POINTS = 2000;
const REFRESH_MS = 5000;

export default function HistoryPage({ simId }) {
  const [rec, setRec] = useState(null);
  const [model, setModel] = useState(null);
  const [chosen, setChosen] = useState(null);
  const [history, setHistory] = useState(null);
  const [error, setError] = useState(null);
  const [hoverT, setHoverT] = useState(null);
  useDocumentTitle(`history of ${simId}`);

  useEffect(() => {
    let cancelled = false;
    (async () => {
      try {
        const r = await getSim(simId);
        const m = await getModel(r.model);
        if (cancelled) return;
        setRec(r);
        setModel(m);
        setChosen(m.tags.filter((t) => t.kind === "output").map((t) => t.name));
      } catch (e) {
        if (!cancelled) setError(e);
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [simId]);

  const load = useCallback(async () => {
    if (!chosen) return;
    try {
      const [r, h] = await Promise.all([
        getSim(simId),
        chosen.length ? getHistory(simId, { tags: chosen, maxPoints: MAX_POINTS }) : { tags: {} },
      ]);
      setRec(r);
      setHistory(h);
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, [simId, chosen]);

  useEffect(() => {
    load();
  }, [load]);

  const running = rec && !ENDED.has(rec.status);
  useEffect(() => {
    if (!running) return undefined;
    const id = setInterval(load, REFRESH_MS);
    return () => clearInterval(id);
  }, [running, load]);

  if (error && !model) {
    return (
      <section className="page">
        <ErrorBanner error={error} />
        <Link to="/">Back</Link>
      </section>
    );
  }
  if (!model || !chosen) return <section className="page muted">Loading history of {simId}…</section>;

  const series = {};
  let first = Infinity;
  let last = -Infinity;
  for (const name of chosen) {
    const s = fromPoints(history && history.tags[name]);
    series[name] = s;
    if (s.t.length) {
      first = Math.min(first, s.t[0]);
      last = Math.max(last, s.t[s.t.length - 1]);
    }
  }
  const range = first <= last ? [first, Math.max(last, first + 1)] : [0, 60];
  const toggle = (name) =>
    setChosen((old) => (old.includes(name) ? old.filter((n) => n !== name) : model.tags.map((t) => t.name).filter((n) => n === name || old.includes(n))));

  return (
    <section className="page history-page">
      <h1>
        History of <code>{simId}</code>
      </h1>
      <p className="lead">
        {model.title} · <SimStatusBadge status={rec.status} /> · simulated time {formatSimTime(rec.t)} ·{" "}
        <Link to={simPath(simId)}>back to the live view</Link>
      </p>
      <ErrorBanner error={error} />
      <div className="history-controls panel">
        <div className="tag-picker" role="group" aria-label="tags to plot">
          {model.tags.map((t) => (
            <label key={t.name} className={`tag-chip kind-${t.kind}`} title={t.description}>
              <input type="checkbox" checked={chosen.includes(t.name)} onChange={() => toggle(t.name)} data-testid={`history-pick-${t.name}`} />
              {t.name}
            </label>
          ))}
        </div>
        <div className="history-actions">
          <button type="button" onClick={load} data-testid="history-refresh">
            Refresh
          </button>
          <CsvDownloadButton simId={simId} modelId={model.id} tagDefs={model.tags} />
        </div>
      </div>
      {chosen.length === 0 && <p className="muted">Pick a tag to plot.</p>}
      <div className="history-charts">
        {model.tags
          .filter((t) => chosen.includes(t.name))
          .map((t) => (
            <div key={t.name} className="trend-card" data-testid={`history-card-${t.name}`}>
              <div className="trend-card-head">
                <div>
                  <strong>{t.name}</strong> <span className="muted small">{t.description}</span>
                </div>
                <span className="muted small">{series[t.name].t.length} points</span>
              </div>
              <TrendChart series={series[t.name]} tag={t} range={range} step={t.kind === "input"} hoverT={hoverT} onHover={setHoverT} height={160} testId={`history-${t.name}`} />
            </div>
          ))}
      </div>
    </section>
  );
}
