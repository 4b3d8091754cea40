// One tag: its name, live value with unit, and its trend.
import LiveValue from "./LiveValue.jsx";
import TrendChart from "./TrendChart.jsx";

export default function TrendCard({ tag, series, value, range, step, hoverT, onHover, height = 120 }) {
  return (
    <div className={`trend-card kind-${tag.kind}`} data-testid={`trend-card-${tag.name}`}>
      <div className="trend-card-head" title={tag.description}>
        <div>
          <strong>{tag.name}</strong>
          <span className="muted small"> {tag.description}</span>
        </div>
        <LiveValue tag={tag} value={value} />
      </div>
      <TrendChart series={series} tag={tag} range={range} step={step} hoverT={hoverT} onHover={onHover} height={height} />
    </div>
  );
}
