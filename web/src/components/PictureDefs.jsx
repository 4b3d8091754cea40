// Markers and patterns shared by the process pictures.
export default function PictureDefs() {
  return (
    <defs>
      <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
        <path d="M0 0 L10 5 L0 10 z" className="arrow-head" />
      </marker>
      <marker id="arrow-force" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="5" markerHeight="5" orient="auto-start-reverse">
        <path d="M0 0 L10 5 L0 10 z" className="arrow-force" />
      </marker>
      <pattern id="hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
        <line x1="0" y1="0" x2="0" y2="8" className="hatch-line" />
      </pattern>
      <linearGradient id="liquid" x1="0" y1="0" x2="0" y2="1">
        <stop offset="0" stopColor="#7fb6e6" />
        <stop offset="1" stopColor="#3d7fc0" />
      </linearGradient>
    </defs>
  );
}
