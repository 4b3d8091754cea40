// The front page: every model the engine offers and the simulations
// running now (refreshed every two seconds).
import { useEffect, useState } from "react";
import { listModels } from "../api.js";
import { useDocumentTitle } from "../hooks/useDocumentTitle.js";
import ErrorBanner from "./ErrorBanner.jsx";
import ModelCard from "./ModelCard.jsx";
import RunningSimsTable from "./RunningSimsTable.jsx";

export default function WelcomePage() {
  const [models, setModels] = useState(null);
  const [error, setError] = useState(null);
  useDocumentTitle("models and running simulations");

  useEffect(() => {
    let cancelled = false;
    listModels()
      .then((m) => !cancelled && setModels(m))
      .catch((e) => !cancelled && setError(e));
    return () => {
      cancelled = true;
    };
  }, []);

  return (
    <section className="page welcome">
      <h1>Models</h1>
      <p className="lead">
        Pick a model to see its process, set its inputs and start a simulation. Anyone who opens a simulation's
        address watches and steers the same run.
      </p>
      <ErrorBanner error={error} />
      {!models && !error && <p className="muted">Loading models…</p>}
      <div className="model-grid">
        {models && models.map((m) => <ModelCard key={m.id} model={m} />)}
      </div>
      <h2>Running now</h2>
      <RunningSimsTable models={models} />
    </section>
  );
}
