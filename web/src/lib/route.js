// The front end's own routes. The engine answers any non-API path with
// index.html, so each of these survives a reload.
export function parseRoute(pathname) {
  const path = pathname.replace(/\/+$/, "") || "/";
  let m;
  if (path === "/") return { page: "welcome" };
  if ((m = /^\/models\/([^/]+)$/.exec(path))) return { page: "model", modelId: decodeURIComponent(m[1]) };
  if ((m = /^\/sims\/([^/]+)$/.exec(path))) return { page: "sim", simId: decodeURIComponent(m[1]) };
  if ((m = /^\/sims\/([^/]+)\/history$/.exec(path))) return { page: "history", simId: decodeURIComponent(m[1]) };
  return { page: "notfound", path };
}

export const modelPath = (id) => `/models/${encodeURIComponent(id)}`;
export const simPath = (id) => `/sims/${encodeURIComponent(id)}`;
export const historyPath = (id) => `/sims/${encodeURIComponent(id)}/history`;
