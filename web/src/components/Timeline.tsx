import type { Rollout } from '../api';

/** The plan's steps: passed, current, to come; then the outcome. */
export function Timeline({ r }: { r: Rollout }) {
  const done = r.phase === 'succeeded';
  const failed = r.phase === 'rolled_back' || r.phase === 'failed' || r.phase === 'rolling_back';
  return (
    <ol className="timeline" data-testid="timeline">
      <li className={r.stepIndex >= 0 || done ? 'passed' : r.phase === 'deploying' ? 'current' : ''}>
        <b>deploy</b>
        <span>{r.toVersion}</span>
      </li>
      {r.plan.steps.map((w, i) => {
        const cls = done || i < r.stepIndex ? 'passed' : i === r.stepIndex ? (failed ? 'failed' : 'current') : '';
        return (
          <li key={i} className={cls} data-testid={`step-${i + 1}`}>
            <b>{w}%</b>
            <span>step {i + 1}</span>
          </li>
        );
      })}
      <li className={done ? 'passed' : failed ? 'failed' : ''}>
        <b>{done ? 'promoted' : failed ? r.phase.replace('_', ' ') : '100%'}</b>
        <span>{done ? r.toVersion : failed ? r.fromVersion : 'promote'}</span>
      </li>
    </ol>
  );
}
