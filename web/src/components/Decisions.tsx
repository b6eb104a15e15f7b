import type { LogEntry } from '../api';

const IMPORTANT = new Set([
  'analysis',
  'step-advanced',
  'rollback-started',
  'promotion-started',
  'paused',
  'resumed',
  'gate-passed',
]);

/** Every decision with its one-line reason and the numbers behind it, newest first. */
export function Decisions({ events }: { events: LogEntry[] }) {
  const list = [...events].sort((a, b) => b.at - a.at);
  return (
    <section className="decisions">
      <h2>Decisions</h2>
      {list.length === 0 && <p className="muted">Nothing decided yet.</p>}
      <ol data-testid="decisions">
        {list.map((e, i) => (
          <li key={`${e.at}-${e.type}-${i}`} className={IMPORTANT.has(e.type) || e.to ? 'key' : ''}>
            <div className="when">{new Date(e.at).toLocaleTimeString()}</div>
            <div>
              <span className={`tag tag-${e.type}`}>{e.type}</span> {e.reason}
              {Object.keys(e.data).length > 0 && (
                <details>
                  <summary>evidence</summary>
                  <dl>
                    {Object.entries(e.data).map(([k, v]) => (
                      <div key={k}>
                        <dt>{k}</dt>
                        <dd>{typeof v === 'number' ? +v.toPrecision(6) : String(v)}</dd>
                      </div>
                    ))}
                  </dl>
                </details>
              )}
            </div>
          </li>
        ))}
      </ol>
    </section>
  );
}
