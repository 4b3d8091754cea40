// The browser tab says which model or sim it shows.
import { useEffect } from "react";

export function useDocumentTitle(title) {
  useEffect(() => {
    if (title) document.title = `${title} · pde`;
  }, [title]);
}
