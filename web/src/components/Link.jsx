// A link that changes page without reloading (a plain <a> otherwise, so
// middle-click and copy-link work).
import { navigate } from "../hooks/useRoute.js";

export default function Link({ to, children, ...rest }) {
  const onClick = (e) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return (
    <a href={to} onClick={onClick} {...rest}>
      {children}
    </a>
  );
}
