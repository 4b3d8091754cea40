// Re-render a component when a SimData changes, at most once per animation
// frame and at most every minIntervalMs: messages are applied to the data
// as they come, and drawing catches up with all of them at once, so a
// burst of messages never queues renders.
import { useEffect, useState } from "react";

export function useThrottledVersion(data, minIntervalMs = 100) {
  const [, setVersion] = useState(0);
  useEffect(() => {
    if (!data) return undefined;
    let frame = 0;
    let timer = 0;
    let last = 0;
    const flush = () => {
      frame = 0;
      last = performance.now();
      setVersion(data.version);
    };
    const schedule = () => {
      if (frame || timer) return;
      const wait = minIntervalMs - (performance.now() - last);
      if (wait > 0) {
        timer = setTimeout(() => {
          timer = 0;
          frame = requestAnimationFrame(flush);
        }, wait);
      } else {
        frame = requestAnimationFrame(flush);
      }
    };
    const off = data.onChange(schedule);
    return () => {
      off();
      cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
  }, [data, minIntervalMs]);
}
