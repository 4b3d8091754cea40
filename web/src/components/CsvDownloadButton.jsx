// Every tag of a sim, every sample, as a CSV file.
import { useState } from "react";
import { getHistory } from "../api.js";
import { csvFileName, historyToCsv } from "../lib/csv.js";

export default function CsvDownloadButton({ simId, modelId, tagDefs }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const download = async () => {
    setBusy(true);
    setError(null);
    try {
      const history = await getHistory(simId, { maxPoints: 0 });
      const blob = new Blob([historyToCsv(history, tagDefs)], { type: "text/csv" });
      const url = URL.createObjectURL(blob);
      const a = document.createElement("a");
      a.href = url;
      a.download = csvFileName(simId, modelId);
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (e) {
      setError(e.message);
    }
    setBusy(false);
  };
  return (
    <>
      <button type="button" onClick={download} disabled={busy} data-testid="csv-button">
        {busy ? "Preparing CSV…" : "Download CSV"}
      </button>
      {error && <span className="error-text small">CSV: {error}</span>}
    </>
  );
}
