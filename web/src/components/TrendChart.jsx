// A d3 time-series chart of one tag over a range of simulated time: axes
// (time in s/min/h/d as the span needs, value in the tag's unit), the
// line (steps for inputs, which are piecewise constant), and a hover
// readout of the nearest point. At most ~2 points per pixel are drawn
// (min/max preserving), however long the run.
import * as d3 from "d3";
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { formatSimTime, timeAxisUnit } from "../lib/format.js";
import { decimate, extent, nearest, slice } from "../lib/series.js";
import { formatValue } from "../lib/tags.js";

const M = { l: 58, r: 12, t: 10, b: 26 };
const EMPTY = { t: [], v: [] };

export default function TrendChart({ series, tag, range, step = false, hoverT, onHover, height = 120, testId }) {
  const box = useRef(null);
  const xAxis = useRef(null);
  const yAxis = useRef(null);
  const [width, setWidth] = useState(360);

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    setWidth(el.clientWidth || 360);
    const ro = new ResizeObserver((entries) => {
      const w = Math.round(entries[0].contentRect.width);
      if (w > 0) setWidth(w);
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const iw = Math.max(40, width - M.l - M.r);
  const ih = Math.max(20, height - M.t - M.b);
  const [from, to] = range;
  const n = series ? series.t.length : 0;
  const lastT = n ? series.t[n - 1] : null;

  const visible = useMemo(
    () => (series && n ? decimate(slice(series, from, to), Math.max(64, iw * 2)) : EMPTY),
    // series is mutated in place: its length and last time say when it changed.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [series, n, lastT, from, to, iw],
  );

  const x = useMemo(() => d3.scaleLinear().domain([from, to]).range([0, iw]), [from, to, iw]);
  const y = useMemo(() => {
    let dom = extent(visible);
    const span = tag.max - tag.min;
    const tagSpan = span > 0 && Number.isFinite(span) ? span : null;
    if (!dom) dom = tagSpan ? [tag.min, tag.max] : [0, 1];
    // Never zoom in below 1 % of the tag's range: numerical dust on a
    // steady value stays a flat line instead of filling the chart.
    const minSpan = tagSpan ? tagSpan * 0.01 : Math.abs(dom[0]) * 0.01 || 1;
    if (dom[1] - dom[0] < minSpan) {
      const mid = (dom[0] + dom[1]) / 2;
      dom = [mid - minSpan / 2, mid + minSpan / 2];
    } else {
      const pad = (dom[1] - dom[0]) * 0.08;
      dom = [dom[0] - pad, dom[1] + pad];
    }
    return d3.scaleLinear().domain(dom).range([ih, 0]).nice(5);
  }, [visible, tag.min, tag.max, ih]);

  const path = useMemo(() => {
    const idx = d3.range(visible.t.length);
    const line = d3
      .line()
      .defined((i) => Number.isFinite(visible.v[i]))
      .x((i) => x(visible.t[i]))
      .y((i) => y(visible.v[i]))
      .curve(step ? d3.curveStepAfter : d3.curveLinear);
    return line(idx) || "";
  }, [visible, x, y, step]);

  const unit = timeAxisUnit(to - from);
  useEffect(() => {
    // Ticks at round numbers of the unit shown (s, min, h or d).
    const xu = d3.scaleLinear().domain([from / unit.div, to / unit.div]).range([0, iw]);
    d3.select(xAxis.current).call(d3.axisBottom(xu).ticks(Math.max(2, Math.floor(iw / 70))).tickSizeOuter(0));
    const yTicks = Math.max(2, Math.floor(ih / 24));
    d3.select(yAxis.current).call(d3.axisLeft(y).ticks(yTicks).tickFormat(y.tickFormat(yTicks)).tickSize(-iw));
  }, [from, to, y, iw, ih, unit.div]);

  const hover = hoverT !== null && hoverT !== undefined && hoverT >= from && hoverT <= to && series ? nearest(series, hoverT) : null;
  const onMove = (e) => {
    const r = e.currentTarget.getBoundingClientRect();
    onHover && onHover(x.invert(e.clientX - r.left));
  };

  return (
    <div className="trend-chart" ref={box} data-testid={testId || `trend-${tag.name}`} data-points={visible.t.length} data-total={n}>
      <svg width={width} height={height} role="img" aria-label={`trend of ${tag.name} in ${tag.unit}`}>
        <g transform={`translate(${M.l},${M.t})`}>
          <g className="axis y-axis" ref={yAxis} />
          <g className="axis x-axis" ref={xAxis} transform={`translate(0,${ih})`} />
          <text className="axis-label" x={-M.l + 4} y={-2} textAnchor="start">
            {tag.unit}
          </text>
          <text className="axis-label" x={iw} y={ih + 24} textAnchor="end">
            t [{unit.unit}]
          </text>
          <clipPath id={`clip-${tag.name}-${height}`}>
            <rect width={iw} height={ih} />
          </clipPath>
          <path className={`trend-line ${step ? "step" : ""}`} d={path} clipPath={`url(#clip-${tag.name}-${height})`} />
          {hover && Number.isFinite(hover.v) && (
            <g className="hover" pointerEvents="none">
              <line x1={x(hover.t)} x2={x(hover.t)} y1={0} y2={ih} />
              <circle cx={x(hover.t)} cy={y(hover.v)} r={3.5} />
              <text x={x(hover.t) > iw * 0.6 ? x(hover.t) - 6 : x(hover.t) + 6} y={10} textAnchor={x(hover.t) > iw * 0.6 ? "end" : "start"} data-testid={`readout-${tag.name}`}>
                {formatSimTime(hover.t)}: {formatValue(hover.v, tag)} {tag.unit}
              </text>
            </g>
          )}
          <rect className="hover-catcher" width={iw} height={ih} fill="transparent" onMouseMove={onMove} onMouseLeave={() => onHover && onHover(null)} />
        </g>
      </svg>
    </div>
  );
}
