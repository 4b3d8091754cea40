// An error the user should read: what went wrong, in the engine's words.
export default function ErrorBanner({ error, onDismiss, testId = "error" }) {
  if (!error) return null;
  const text = typeof error === "string" ? error : error.message;
  return (
    <div className="error-banner" role="alert" data-testid={testId}>
      <span>{text}</span>
      {onDismiss && (
        <button type="button" className="link-button" onClick={onDismiss} aria-label="dismiss">
          ×
        </button>
      )}
    </div>
  );
}
