// The one place the front end talks to the engine: the REST API under
// /api/ and the live WebSocket at /ws. Components call these functions and
// never build URLs or parse answers themselves.

export class ApiError extends Error {
  constructor(message, status = 0, detail = null) {
    super(message);
    this.status = status;
    this.detail = detail;
  }
}

// The engine's access token (pde-engine --token), if the user gave one:
// kept in localStorage, sent as "Authorization: Bearer" on every request
// and as ?token= on the WebSocket (browsers cannot set its headers). A 401
// fires "pde-token-needed" on window, and TokenPrompt asks for it.
const TOKEN_KEY = "pde-token";

export function getToken() {
  try {
    return globalThis.localStorage?.getItem(TOKEN_KEY) || "";
  } catch {
    return "";
  }
}

export function setToken(token) {
  try {
    if (token) globalThis.localStorage?.setItem(TOKEN_KEY, token);
    else globalThis.localStorage?.removeItem(TOKEN_KEY);
  } catch {
    /* Private mode may refuse storage: the token then lasts this page. */
  }
}

async function request(method, path, body) {
  const init = { method, headers: {} };
  const token = getToken();
  if (token) init.headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(`cannot reach the engine (${e.message}); is pde-engine running?`);
  }
  let json = null;
  const text = await res.text();
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    throw new ApiError(`the engine answered ${res.status} with something that is not JSON`, res.status);
  }
  if (!res.ok) {
    if (res.status === 401 && typeof window !== "undefined") {
      window.dispatchEvent(new CustomEvent("pde-token-needed", { detail: { hadToken: !!token } }));
    }
    const msg = json && json.error ? json.error : `the engine answered ${res.status}`;
    throw new ApiError(msg, res.status, json && json.detail);
  }
  return json;
}

const enc = encodeURIComponent;

export const listModels = () => request("GET", "/api/models/");
export const getModel = (id) => request("GET", `/api/models/${enc(id)}`);
export const listSims = () => request("GET", "/api/sims/all");
export const getSim = (id) => request("GET", `/api/sims/${enc(id)}`);
export const getSimTags = (id) => request("GET", `/api/sims/${enc(id)}/all`);
export const stopSim = (id) => request("DELETE", `/api/sims/${enc(id)}`);

// options: {time_scale, duration, sample_time, inputs, params}, all optional.
export function startSim(modelId, options = {}) {
  const body = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined && v !== null));
  if (body.inputs && Object.keys(body.inputs).length === 0) delete body.inputs;
  return request("POST", `/api/models/${enc(modelId)}/start`, body);
}

// Answers the TAGVALUE now in force.
export const setTag = (simId, tag, value) =>
  request("POST", `/api/sims/${enc(simId)}/${enc(tag)}`, { value });

// tags: a list of names, or null for every tag; maxPoints 0 = every point.
export function getHistory(simId, { tags = null, from, to, maxPoints } = {}) {
  const q = new URLSearchParams();
  if (tags && tags.length) q.set("tags", tags.join(","));
  if (Number.isFinite(from)) q.set("from", String(from));
  if (Number.isFinite(to)) q.set("to", String(to));
  if (Number.isFinite(maxPoints)) q.set("max_points", String(maxPoints));
  const qs = q.toString();
  return request("GET", `/api/sims/${enc(simId)}/history${qs ? "?" + qs : ""}`);
}

// ---------------------------------------------------------------- live

// One WebSocket for the whole page, shared by every sim it watches. It
// reconnects by itself (back-off up to 5 s), subscribes again to what it
// watched, and tells listeners its state: "connecting", "open" or "down".
export class LiveSocket {
  constructor(url, { WebSocketImpl = globalThis.WebSocket, maxDelayMs = 5000 } = {}) {
    this.url = url;
    this.WebSocketImpl = WebSocketImpl;
    this.maxDelayMs = maxDelayMs;
    this.handlers = new Map(); // simId -> Set(handler)
    this.stateListeners = new Set();
    this.state = "connecting";
    this.attempt = 0;
    this.ws = null;
    this.timer = null;
    this.closed = false;
    this.downSince = null;
    this.stats = { received: 0, reconnects: 0 };
  }

  start() {
    if (!this.ws && !this.timer && !this.closed) this.connect();
    return this;
  }

  connect() {
    this.timer = null;
    this.setState(this.attempt === 0 ? "connecting" : "down");
    let ws;
    try {
      ws = new this.WebSocketImpl(typeof this.url === "function" ? this.url() : this.url);
    } catch {
      this.retry();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      if (this.attempt > 0) this.stats.reconnects++;
      this.attempt = 0;
      this.downSince = null;
      this.setState("open");
      for (const simId of this.handlers.keys()) this.send({ subscribe: simId });
    };
    ws.onmessage = (ev) => this.receive(ev.data);
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (!this.closed) this.retry();
    };
    ws.onerror = () => {
      /* onclose follows and retries. */
    };
  }

  retry() {
    this.attempt++;
    if (this.downSince === null) this.downSince = Date.now();
    this.setState("down");
    const delay = Math.min(this.maxDelayMs, 250 * 2 ** Math.min(this.attempt, 5));
    this.timer = setTimeout(() => this.connect(), delay);
  }

  receive(text) {
    this.stats.received++;
    let msg;
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    const simId = msg.sim_id || (msg.sim && msg.sim.sim_id);
    if (msg.type === "error") {
      // Errors name no sim: every watcher hears them.
      for (const set of this.handlers.values()) for (const h of set) h(msg);
      return;
    }
    const set = this.handlers.get(simId);
    if (set) for (const h of set) h(msg);
  }

  send(obj) {
    if (this.ws && this.ws.readyState === 1) this.ws.send(JSON.stringify(obj));
  }

  setState(state) {
    if (state === this.state) return;
    this.state = state;
    for (const fn of this.stateListeners) fn(state);
  }

  onState(fn) {
    this.stateListeners.add(fn);
    return () => this.stateListeners.delete(fn);
  }

  // handler(msg) gets every message about simId, "subscribed" first
  // (again after each reconnect). Returns the function that ends it.
  subscribe(simId, handler) {
    let set = this.handlers.get(simId);
    if (!set) {
      set = new Set();
      this.handlers.set(simId, set);
    }
    set.add(handler);
    this.start();
    this.send({ subscribe: simId });
    return () => {
      set.delete(handler);
      if (set.size === 0) {
        this.handlers.delete(simId);
        this.send({ unsubscribe: simId });
      }
    };
  }

  close() {
    this.closed = true;
    clearTimeout(this.timer);
    if (this.ws) this.ws.close();
    this.ws = null;
  }
}

let shared = null;

export function liveSocket() {
  if (!shared) {
    const proto = location.protocol === "https:" ? "wss" : "ws";
    // A function, so a reconnect after the user gave a token uses it.
    const url = () => {
      const token = getToken();
      return `${proto}://${location.host}/ws${token ? "?token=" + enc(token) : ""}`;
    };
    shared = new LiveSocket(url).start();
    if (typeof window !== "undefined") window.__pdeLive = shared; // for tests and the curious
  }
  return shared;
}
