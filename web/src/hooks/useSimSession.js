// A sim being watched and steered: loads its record and model, subscribes
// to its live values, fills its trends from history (the whole run
// downsampled, the last hour at full resolution), fills any gap after the
// WebSocket reconnects, and sends the user's writes.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { getHistory, getModel, getSim, liveSocket, setTag, startSim, stopSim } from "../api.js";
import { SimData } from "../lib/simData.js";

const RECENT_S = 3600;        // full resolution this far back
const RECENT_MAX_POINTS = 20000;
const OLDER_MAX_POINTS = 2000;
const LIVE_RATE_LIMIT = 8;     // samples per second the WebSocket passes on, about
const BACKFILL_MS = 1000;

export async function loadHistory(data, simId, tNow) {
  const split = Math.max(0, (tNow ?? 0) - RECENT_S);
  const recent = await getHistory(simId, { from: split, maxPoints: RECENT_MAX_POINTS });
  data.historyT = data.applyHistory(recent) ?? split;
  if (split > 0) {
    const older = await getHistory(simId, { from: 0, to: split, maxPoints: OLDER_MAX_POINTS });
    // Downsampled points stop short of the full-resolution part.
    for (const pts of Object.values(older.tags || {})) {
      while (pts.length && pts[pts.length - 1][0] >= split) pts.pop();
    }
    data.applyHistory(older);
  }
}

export function useSimSession(simId) {
  const [session, setSession] = useState({ data: null, model: null, error: null });
  const seq = useRef({});

  useEffect(() => {
    let cancelled = false;
    let unsubscribe = null;
    let backfill = 0;
    setSession({ data: null, model: null, error: null });
    (async () => {
      try {
        const rec = await getSim(simId);
        const model = await getModel(rec.model);
        if (cancelled) return;
        const data = new SimData(simId, model.tags);
        data.setRecord(rec);
        setSession({ data, model, error: null });
        let subscribed = 0;
        unsubscribe = liveSocket().subscribe(simId, (msg) => {
          if (msg.type === "error") {
            data.liveError = msg.error;
            data.changed();
            return;
          }
          const lastT = data.t;
          data.apply(msg);
          if (msg.type === "subscribed" && subscribed++ > 0 && Number.isFinite(lastT)) {
            // Back after a reconnect: what was sampled meanwhile.
            getHistory(simId, { from: lastT, maxPoints: RECENT_MAX_POINTS })
              .then((h) => data.applyHistory(h))
              .catch(() => {
                /* Best effort: the trend shows a gap. */
              });
          }
        });
        await loadHistory(data, simId, rec.t);
        data.historyLoaded = true;
        data.changed();
        // A sim sampling faster than the WebSocket passes samples on (it
        // coalesces to ~10 a second) gets the samples in between from the
        // historian, so its trends are not aliased.
        const rate = rec.time_scale === "max" ? Infinity : rec.time_scale / rec.sample_time;
        if (rate > LIVE_RATE_LIMIT && !cancelled) {
          let busy = false;
          backfill = setInterval(async () => {
            if (busy) return;
            busy = true;
            try {
              const h = await getHistory(simId, { from: data.historyT, maxPoints: RECENT_MAX_POINTS });
              const newest = data.applyHistory(h);
              if (newest !== null) data.historyT = newest;
              if (data.ended) clearInterval(backfill);
            } catch {
              /* Best effort: the live samples are still there. */
            }
            busy = false;
          }, BACKFILL_MS);
        }
      } catch (e) {
        if (!cancelled) setSession((s) => ({ ...s, error: e }));
      }
    })();
    return () => {
      cancelled = true;
      clearInterval(backfill);
      if (unsubscribe) unsubscribe();
    };
  }, [simId]);

  const { data } = session;

  const write = useCallback(
    async (name, value) => {
      if (!data) return;
      const n = (seq.current[name] = (seq.current[name] || 0) + 1);
      data.writeStarted(name, value);
      try {
        const tv = await setTag(simId, name, value);
        if (seq.current[name] === n) data.writeAccepted(name, tv);
      } catch (e) {
        if (seq.current[name] === n) data.writeFailed(name, value, e.message);
      }
    },
    [data, simId],
  );

  const stop = useCallback(async () => {
    const rec = await stopSim(simId);
    if (data) data.setRecord(rec);
    return rec;
  }, [data, simId]);

  const restart = useCallback(async () => {
    const rec = data && data.record;
    return startSim(rec.model, {
      time_scale: rec.time_scale,
      duration: rec.duration,
      sample_time: rec.sample_time,
    });
  }, [data]);

  return useMemo(() => ({ ...session, write, stop, restart }), [session, write, stop, restart]);
}
