// A running or ended sim (/sims/{SimID}): live values, trends, controls
// that steer it, and its state. Any number of browsers may show the same
// sim; each sees the others' actions.
import { useMemo, useState } from "react";
import { navigate } from "../hooks/useRoute.js";
import { useDocumentTitle } from "../hooks/useDocumentTitle.js";
import { useSimSession } from "../hooks/useSimSession.js";
import { useThrottledVersion } from "../hooks/useThrottledVersion.js";
import { modelPath, simPath } from "../lib/route.js";
import ErrorBanner from "./ErrorBanner.jsx";
import Link from "./Link.jsx";
import PlantView from "./PlantView.jsx";
import SimStatusBar from "./SimStatusBar.jsx";

export default function SimPage({ simId }) {
  const session = useSimSession(simId);
  const { data, model, error } = session;
  const [actionError, setActionError] = useState(null);
  useThrottledVersion(data, 100);
  useDocumentTitle(model ? `${model.title} · ${simId}` : simId);

  const status = data ? data.status : "unknown";
  const steer = useMemo(() => {
    if (!data) return null;
    const running = status === "running";
    return {
      mode: "live",
      valueOf: (name) => data.valueOf(name),
      writeOf: (name) => data.writes[name] || null,
      commit: session.write,
      disabled: !running,
      disabledReason: status === "queued" ? "waiting for a worker to start the sim" : `the sim has ${status}`,
    };
    // data.version: a new steer when anything changed, so pictures redraw.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [data, data && data.version, status, session.write]);

  if (error && !data) {
    return (
      <section className="page">
        <h1>Simulation {simId}</h1>
        <ErrorBanner error={error} />
        <Link to="/">Back to the models and running simulations</Link>
      </section>
    );
  }
  if (!data || !model) return <section className="page muted">Loading simulation {simId}…</section>;

  const stop = async () => {
    setActionError(null);
    try {
      await session.stop();
    } catch (e) {
      setActionError(e);
    }
  };
  const restart = async () => {
    setActionError(null);
    try {
      const answer = await session.restart();
      navigate(simPath(answer.sim_id));
    } catch (e) {
      setActionError(e);
    }
  };

  return (
    <section className="page plant-page">
      <div className="plant-header">
        <div>
          <h1>
            <Link to={modelPath(model.id)} className="plain">
              {model.title}
            </Link>
          </h1>
          <p className="lead">{model.description}</p>
        </div>
      </div>
      <SimStatusBar data={data} model={model} onStop={stop} onRestart={restart} />
      <ErrorBanner error={actionError} onDismiss={() => setActionError(null)} />
      {data.liveError && <ErrorBanner error={`Live values: ${data.liveError}`} />}
      {data.record && data.record.error && status === "failed" && (
        <ErrorBanner error={`The simulation failed: ${data.record.error}`} />
      )}
      <PlantView model={model} steer={steer} data={data} />
    </section>
  );
}
