// Everything the page knows about one sim: its record, the latest value of
// every tag, each tag's time series (history then live), and the state of
// the user's own writes. Fed by WebSocket messages and history answers;
// tells its listeners that something changed, and leaves it to them how
// often to redraw (many messages may arrive between two frames).
import { appendPoint, capSeries, createSeries, mergePoints } from "./series.js";

export const ENDED = new Set(["finished", "stopped", "failed"]);

export class SimData {
  // tagDefs: the model's TAGDEF list from the API.
  constructor(simId, tagDefs, { maxPoints = 20000 } = {}) {
    this.simId = simId;
    this.tagDefs = tagDefs;
    this.maxPoints = maxPoints;
    this.record = null;
    this.latest = {};        // name -> {value, t}
    this.series = new Map(); // name -> {t: [], v: []}
    this.writes = {};        // name -> {state: "pending"|"accepted"|"error", message, value, t}
    this.t = null;           // newest simulated time seen
    this.version = 0;
    this.stats = { messages: 0, samples: 0, lastSampleT: null };
    this.listeners = new Set();
    for (const d of tagDefs) this.series.set(d.name, createSeries());
  }

  get status() {
    return this.record ? this.record.status : "unknown";
  }

  get ended() {
    return ENDED.has(this.status);
  }

  onChange(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  changed() {
    this.version++;
    for (const fn of this.listeners) fn(this);
  }

  seriesOf(name) {
    let s = this.series.get(name);
    if (!s) {
      s = createSeries();
      this.series.set(name, s);
    }
    return s;
  }

  valueOf(name) {
    const l = this.latest[name];
    return l ? l.value : undefined;
  }

  // Range of simulated time held, over every series: [first, last].
  timeRange() {
    let first = Infinity;
    let last = -Infinity;
    for (const s of this.series.values()) {
      if (s.t.length) {
        first = Math.min(first, s.t[0]);
        last = Math.max(last, s.t[s.t.length - 1]);
      }
    }
    if (Number.isFinite(this.t)) last = Math.max(last, this.t);
    return first <= last ? [first, last] : [null, null];
  }

  setRecord(rec) {
    if (!rec) return;
    this.record = { ...(this.record || {}), ...rec };
    if (Number.isFinite(rec.t)) this.t = Math.max(this.t ?? rec.t, rec.t);
    this.changed();
  }

  point(name, t, value) {
    const s = this.seriesOf(name);
    appendPoint(s, t, value);
    capSeries(s, this.maxPoints);
  }

  setLatest(name, value, t) {
    const old = this.latest[name];
    if (!old || !(t < old.t)) this.latest[name] = { value, t };
  }

  // One message from the WebSocket (already parsed); returns true when it
  // was for this sim.
  apply(msg) {
    if (!msg || typeof msg !== "object") return false;
    this.stats.messages++;
    switch (msg.type) {
      case "subscribed":
        if (!msg.sim || msg.sim.sim_id !== this.simId) return false;
        this.record = { ...(this.record || {}), ...msg.sim };
        for (const tv of msg.tags || []) {
          if (!Number.isFinite(tv.t)) continue;
          this.setLatest(tv.tag, tv.value, tv.t);
          // Values of a sim that has not sampled yet have no time of their own.
          if (msg.sim.status !== "queued") this.point(tv.tag, tv.t, tv.value);
        }
        if (Number.isFinite(msg.sim.t)) this.t = Math.max(this.t ?? msg.sim.t, msg.sim.t);
        break;
      case "sample": {
        if (msg.sim_id !== this.simId) return false;
        const t = msg.t;
        for (const [name, v] of Object.entries(msg.values || {})) {
          this.point(name, t, v);
          this.setLatest(name, v, t);
        }
        if (this.record && msg.status) this.record = { ...this.record, status: msg.status, t };
        this.t = Math.max(this.t ?? t, t);
        this.stats.samples++;
        this.stats.lastSampleT = t;
        break;
      }
      case "input":
        if (msg.sim_id !== this.simId) return false;
        this.point(msg.tag, msg.t, msg.value);
        this.setLatest(msg.tag, msg.value, msg.t);
        break;
      case "status":
        if (!msg.sim || msg.sim.sim_id !== this.simId) return false;
        this.setRecord(msg.sim);
        return true;
      default:
        return false;
    }
    this.changed();
    return true;
  }

  // A history answer ({"sim_id", "tags": {name: [[t, v], ...]}}) merged
  // under what the WebSocket already delivered.
  // Returns the newest time in the answer (null if it had no points).
  applyHistory(history) {
    if (!history || !history.tags) return null;
    let newest = null;
    for (const [name, points] of Object.entries(history.tags)) {
      const s = this.seriesOf(name);
      mergePoints(s, points);
      capSeries(s, this.maxPoints);
      if (points.length) {
        const [t, v] = points[points.length - 1];
        if (!this.latest[name]) this.latest[name] = { value: v, t };
        this.t = Math.max(this.t ?? t, t);
        newest = Math.max(newest ?? t, t);
      }
    }
    this.changed();
    return newest;
  }

  // The user's own write: pending, then accepted (TAGVALUE) or refused.
  writeStarted(name, value) {
    this.writes[name] = { state: "pending", value };
    this.changed();
  }

  writeAccepted(name, tagValue) {
    this.writes[name] = { state: "accepted", value: tagValue.value, t: tagValue.t };
    this.point(name, tagValue.t, tagValue.value);
    this.setLatest(name, tagValue.value, tagValue.t);
    this.changed();
  }

  writeFailed(name, value, message) {
    this.writes[name] = { state: "error", value, message };
    this.changed();
  }
}
