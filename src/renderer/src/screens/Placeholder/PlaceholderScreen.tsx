interface Props {
  title: string;
  /** What the screen will do once built. */
  plans: string[];
}

/** A screen that is announced but not built yet: says so plainly and does nothing. */
export function PlaceholderScreen({ title, plans }: Props) {
  return (
    <section className="screen" aria-labelledby="placeholder-title">
      <header className="screen-header">
        <h1 id="placeholder-title">{title}</h1>
        <span className="badge badge-muted">Not built yet</span>
      </header>
      <div className="placeholder">
        <p>This screen is not available in this version. When it is built it will:</p>
        <ul>
          {plans.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      </div>
    </section>
  );
}
