import Link from "./Link.jsx";

export default function NotFoundPage({ path }) {
  return (
    <section className="page">
      <h1>Nothing here</h1>
      <p>
        There is no page at <code>{path}</code>. <Link to="/">See the models and running simulations.</Link>
      </p>
    </section>
  );
}
