// Client-side routing on the History API: navigate() pushes a path and
// every useRoute() user re-renders with the parsed route.
import { useEffect, useState } from "react";
import { parseRoute } from "../lib/route.js";

const listeners = new Set();

export function navigate(path, { replace = false } = {}) {
  if (path === location.pathname + location.search) return;
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  window.scrollTo(0, 0);
  for (const fn of listeners) fn();
}

export function useRoute() {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const update = () => setPath(location.pathname);
    listeners.add(update);
    window.addEventListener("popstate", update);
    return () => {
      listeners.delete(update);
      window.removeEventListener("popstate", update);
    };
  }, []);
  return parseRoute(path);
}
