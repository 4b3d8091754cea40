// Whether live values are flowing: the WebSocket's state.
import { useLiveState } from "../hooks/useLiveState.js";

const TEXT = {
  open: "live",
  connecting: "connecting…",
  down: "down, reconnecting…",
};

export default function ConnectionBadge() {
  const state = useLiveState();
  return (
    <span className={`conn-badge conn-${state}`} data-testid="conn-state" data-state={state} role="status">
      <span className="dot" aria-hidden="true" />
      {TEXT[state] || state}
    </span>
  );
}
