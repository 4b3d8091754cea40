// CSV export of a sim's history (GET /api/sims/{SimID}/history JSON), one
// row per sample time, one column per tag in the model's order, headed
// with the tag's unit. Built in the browser, so no extra engine endpoint is
// needed.

function quote(field) {
  const s = String(field);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function cell(v) {
  return v === null || v === undefined || Number.isNaN(v) ? "" : String(v);
}

// history: {"sim_id", "tags": {name: [[t, v], ...]}}; tagDefs: TAGDEF list
// (order and units). Tags in the history but not in tagDefs go last.
export function historyToCsv(history, tagDefs = []) {
  const series = (history && history.tags) || {};
  const names = tagDefs.map((d) => d.name).filter((n) => n in series);
  for (const n of Object.keys(series)) if (!names.includes(n)) names.push(n);
  const units = new Map(tagDefs.map((d) => [d.name, d.unit]));
  const header = ["t_s", ...names.map((n) => (units.get(n) ? `${n} [${units.get(n)}]` : n))];
  const lines = [header.map(quote).join(",")];
  const pos = names.map(() => 0);
  for (;;) {
    // The earliest time not yet written, over every tag.
    let t = Infinity;
    names.forEach((n, k) => {
      const pts = series[n];
      if (pos[k] < pts.length && pts[pos[k]][0] < t) t = pts[pos[k]][0];
    });
    if (t === Infinity) break;
    const row = [cell(t)];
    names.forEach((n, k) => {
      const pts = series[n];
      if (pos[k] < pts.length && pts[pos[k]][0] === t) row.push(cell(pts[pos[k]++][1]));
      else row.push("");
    });
    lines.push(row.join(","));
  }
  return lines.join("\n") + "\n";
}

export function csvFileName(simId, modelId) {
  return `pde-${modelId ? modelId + "-" : ""}${simId}.csv`;
}
