import { useEffect, useState } from 'react';
import { api, type Rollout } from '../api';
import { duration, PhaseBadge, when } from '../components/bits';

/** Past rollouts, newest first. */
export function History() {
  const [rows, setRows] = useState<Rollout[] | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    api<{ rollouts: Rollout[] }>('GET', '/api/v1/rollouts?limit=200').then(
      (r) => setRows(r.rollouts),
      (e: unknown) => setError(String(e)),
    );
  }, []);
  if (error) return <p className="error">{error}</p>;
  if (!rows) return <p className="muted">Loading…</p>;
  return (
    <section>
      <h1>History</h1>
      {rows.length === 0 && <p className="muted">No rollouts yet.</p>}
      <table className="history" data-testid="history">
        <thead>
          <tr>
            <th>Started</th>
            <th>Service</th>
            <th>Versions</th>
            <th>Outcome</th>
            <th>Took</th>
            <th className="wide">Why</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id} onClick={() => (location.hash = `#/rollouts/${encodeURIComponent(r.id)}`)}>
              <td>{when(r.createdAt)}</td>
              <td>
                <a href={`#/rollouts/${encodeURIComponent(r.id)}`}>{r.service}</a>
              </td>
              <td>
                {r.fromVersion} → {r.toVersion}
              </td>
              <td>
                <PhaseBadge phase={r.phase} />
              </td>
              <td>{duration((r.finishedAt ?? r.updatedAt) - r.createdAt)}</td>
              <td className="wide">{r.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
