// A sim's status as a coloured word.
export default function SimStatusBadge({ status }) {
  return (
    <span className={`status-badge status-${status}`} data-testid="sim-status">
      {status}
    </span>
  );
}
