// Asks for the engine's access token when the engine answers 401 (it was
// started with --token): the token is kept in this browser (localStorage)
// and the page reloads so every request and the live connection use it.
import { useEffect, useState } from "react";
import { getToken, setToken } from "../api.js";

export default function TokenPrompt() {
  const [needed, setNeeded] = useState(null); // null, or {hadToken}
  const [value, setValue] = useState("");

  useEffect(() => {
    const onNeeded = (ev) => setNeeded(ev.detail || { hadToken: !!getToken() });
    window.addEventListener("pde-token-needed", onNeeded);
    return () => window.removeEventListener("pde-token-needed", onNeeded);
  }, []);

  if (!needed) return null;
  const submit = (ev) => {
    ev.preventDefault();
    setToken(value.trim());
    window.location.reload();
  };
  return (
    <form className="error-banner token-prompt" onSubmit={submit} data-testid="token-prompt">
      <span>
        {needed.hadToken
          ? "The engine refused the access token kept in this browser. Enter the right one:"
          : "This engine needs an access token (pde-engine --token). Enter it:"}
      </span>
      <input
        type="password"
        autoComplete="current-password"
        aria-label="access token"
        value={value}
        onChange={(ev) => setValue(ev.target.value)}
      />
      <button type="submit" disabled={!value.trim()}>
        Use token
      </button>
    </form>
  );
}
