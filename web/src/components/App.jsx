// The whole page: a header and the page the URL names.
import { useRoute } from "../hooks/useRoute.js";
import HistoryPage from "./HistoryPage.jsx";
import Link from "./Link.jsx";
import ModelPage from "./ModelPage.jsx";
import NotFoundPage from "./NotFoundPage.jsx";
import SimPage from "./SimPage.jsx";
import TokenPrompt from "./TokenPrompt.jsx";
import WelcomePage from "./WelcomePage.jsx";

export default function App() {
  const route = useRoute();
  let page;
  switch (route.page) {
    case "welcome":
      page = <WelcomePage />;
      break;
    case "model":
      page = <ModelPage key={route.modelId} modelId={route.modelId} />;
      break;
    case "sim":
      page = <SimPage key={route.simId} simId={route.simId} />;
      break;
    case "history":
      page = <HistoryPage key={route.simId} simId={route.simId} />;
      break;
    default:
      page = <NotFoundPage path={route.path} />;
  }
  return (
    <div className="app">
      <header className="topbar">
        <Link to="/" className="brand">
          <svg viewBox="0 0 24 16" width="28" height="18" aria-hidden="true">
            <path d="M1 13 Q6 1 11 8 T23 3" stroke="currentColor" strokeWidth="2.2" fill="none" />
          </svg>
          pde
        </Link>
        <span className="tagline">process dynamics engine</span>
      </header>
      <main>
        <TokenPrompt />
        {page}
      </main>
    </div>
  );
}
