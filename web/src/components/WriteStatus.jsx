// What became of the user's last write to a tag.
import { formatSimTime } from "../lib/format.js";
import { formatValue } from "../lib/tags.js";

export default function WriteStatus({ name, tag, write }) {
  if (!write) return <div className="write-status" data-testid={`write-${name}`} />;
  let text;
  if (write.state === "pending") text = `sending ${formatValue(write.value, tag)}…`;
  else if (write.state === "accepted")
    text = `✓ ${formatValue(write.value, tag)} ${tag.unit} in force from t = ${formatSimTime(write.t)}`;
  else text = `✗ ${write.message}`;
  return (
    <div className={`write-status write-${write.state}`} data-testid={`write-${name}`} data-state={write.state} role={write.state === "error" ? "alert" : undefined}>
      {text}
    </div>
  );
}
