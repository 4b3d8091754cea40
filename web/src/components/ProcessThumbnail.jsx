// A small sketch of a model's kind of process, for the front page.
export default function ProcessThumbnail({ kind }) {
  const stroke = { stroke: "currentColor", strokeWidth: 2, fill: "none" };
  let body;
  switch (kind) {
    case "spring-damper":
      body = (
        <>
          <line x1="6" y1="10" x2="6" y2="50" {...stroke} />
          <path d="M6 22 l6 0 l3 -5 l6 10 l6 -10 l6 10 l3 -5 l8 0" {...stroke} />
          <path d="M6 40 h12 M18 34 v12 M14 34 h14 v12 h-14 M24 40 h20" {...stroke} />
          <rect x="44" y="14" width="26" height="32" rx="2" {...stroke} />
        </>
      );
      break;
    case "column":
      body = (
        <>
          <rect x="24" y="6" width="18" height="50" rx="8" {...stroke} />
          {[16, 24, 32, 40, 48].map((y) => (
            <line key={y} x1="26" y1={y} x2="40" y2={y} stroke="currentColor" strokeWidth="1" />
          ))}
          <circle cx="58" cy="10" r="6" {...stroke} />
          <circle cx="58" cy="52" r="6" {...stroke} />
          <path d="M4 30 h20 M33 6 v-2 h25 v0 M42 52 h10" {...stroke} />
        </>
      );
      break;
    case "reactor":
      body = (
        <>
          <path d="M20 14 v30 a16 10 0 0 0 32 0 v-30" {...stroke} />
          <path d="M14 18 v26 a22 14 0 0 0 44 0 v-26" stroke="currentColor" strokeWidth="1" fill="none" />
          <path d="M36 4 v36 M28 40 h16" {...stroke} />
          <path d="M2 12 h18" {...stroke} />
        </>
      );
      break;
    case "four-tank":
      body = (
        <>
          <rect x="10" y="4" width="16" height="20" {...stroke} />
          <rect x="46" y="4" width="16" height="20" {...stroke} />
          <rect x="10" y="34" width="16" height="20" {...stroke} />
          <rect x="46" y="34" width="16" height="20" {...stroke} />
          <path d="M18 24 v10 M54 24 v10" {...stroke} />
        </>
      );
      break;
    default:
      body = (
        <>
          <rect x="22" y="14" width="30" height="32" rx="3" {...stroke} />
          <path d="M4 22 h18 M4 38 h18 M52 30 h18" {...stroke} />
        </>
      );
  }
  return (
    <svg className="thumbnail" viewBox="0 0 72 60" aria-hidden="true">
      {body}
    </svg>
  );
}
