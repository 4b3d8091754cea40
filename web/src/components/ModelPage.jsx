// A model before it runs (/models/{ModelID}): its process picture and
// controls, which here set the values it starts with, and the Start button.
import { useEffect, useMemo, useState } from "react";
import { getModel, startSim } from "../api.js";
import { useDocumentTitle } from "../hooks/useDocumentTitle.js";
import { navigate } from "../hooks/useRoute.js";
import { simPath } from "../lib/route.js";
import { changedInputs } from "../lib/tags.js";
import ErrorBanner from "./ErrorBanner.jsx";
import Link from "./Link.jsx";
import PlantView from "./PlantView.jsx";
import StartOptions from "./StartOptions.jsx";

export default function ModelPage({ modelId }) {
  const [model, setModel] = useState(null);
  const [error, setError] = useState(null);
  const [inputs, setInputs] = useState({});
  const [options, setOptions] = useState({ time_scale: 1, duration: 86400 });
  const [starting, setStarting] = useState(false);
  useDocumentTitle(model ? model.title : modelId);

  useEffect(() => {
    let cancelled = false;
    getModel(modelId)
      .then((m) => {
        if (cancelled) return;
        setModel(m);
        // A model may run for less than a day unless told otherwise
        // (spring-damper-split: its 1000 steps).
        if (m.default_duration) setOptions((o) => ({ ...o, duration: m.default_duration }));
      })
      .catch((e) => !cancelled && setError(e));
    return () => {
      cancelled = true;
    };
  }, [modelId]);

  const steer = useMemo(() => {
    if (!model) return null;
    // Inputs show the values the sim will start with; outputs have none yet.
    const startValues = Object.fromEntries(model.tags.filter((t) => t.kind === "input").map((t) => [t.name, t.default]));
    return {
      mode: "start",
      valueOf: (name) => inputs[name] ?? startValues[name],
      writeOf: () => null,
      commit: (name, value) => setInputs((old) => ({ ...old, [name]: value })),
      disabled: false,
    };
  }, [model, inputs]);

  const start = async () => {
    setStarting(true);
    setError(null);
    try {
      const answer = await startSim(modelId, { ...options, inputs: changedInputs(model.tags, inputs) });
      navigate(simPath(answer.sim_id));
    } catch (e) {
      setError(e);
      setStarting(false);
    }
  };

  if (error && !model) {
    return (
      <section className="page">
        <ErrorBanner error={error} />
        <Link to="/">Back to the models</Link>
      </section>
    );
  }
  if (!model) return <section className="page muted">Loading {modelId}…</section>;

  return (
    <section className="page plant-page">
      <div className="plant-header">
        <div>
          <h1>{model.title}</h1>
          <p className="lead">{model.description}</p>
        </div>
        <div className="start-box">
          <StartOptions options={options} onChange={setOptions} />
          <button type="button" className="primary" onClick={start} disabled={starting} data-testid="start-button">
            {starting ? "Starting…" : "Start simulation"}
          </button>
          <p className="muted small">The inputs below are the values it starts with.</p>
        </div>
      </div>
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      <PlantView model={model} steer={steer} data={null} />
    </section>
  );
}
