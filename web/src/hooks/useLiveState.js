// The live WebSocket's state: "connecting", "open" or "down".
import { useEffect, useState } from "react";
import { liveSocket } from "../api.js";

export function useLiveState() {
  const live = liveSocket();
  const [state, setState] = useState(live.state);
  useEffect(() => {
    setState(live.state);
    return live.onState(setState);
  }, [live]);
  return state;
}
