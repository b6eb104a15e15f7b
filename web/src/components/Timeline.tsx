import type { GatePoint, LogEntry, Rollout } from '../api';

/** The plan's steps: passed, current, to come; then the outcome. Gates sit where they hold the rollout. */
export function Timeline({ r, events }: { r: Rollout; events: LogEntry[] }) {
  const done = r.phase === 'succeeded';
  const failed = r.phase === 'rolled_back' || r.phase === 'failed' || r.phase === 'rolling_back';
  const gates = new Set(r.plan.gates ?? []);
  return (
    <ol className="timeline" data-testid="timeline">
      {gates.has('pre-rollout') && <GateItem r={r} events={events} point="pre-rollout" />}
      <li className={r.stepIndex >= 0 || done ? 'passed' : r.phase === 'deploying' ? 'current' : ''}>
        <b>deploy</b>
        <span>{r.toVersion}</span>
      </li>
      {r.plan.steps.map((w, i) => {
        const cls = done || i < r.stepIndex ? 'passed' : i === r.stepIndex ? (failed ? 'failed' : 'current') : '';
        // The confirm-traffic-increase gate runs before each step's weight goes up (its evidence names the step before).
        const gate = gates.has('confirm-traffic-increase') ? mark(r, events, 'confirm-traffic-increase', i) : undefined;
        return (
          <li key={i} className={cls} data-testid={`step-${i + 1}`}>
            <b>{w}%</b>
            <span>step {i + 1}</span>
            {gate?.text && (
              <small className={`gate-note ${gate.cls}`} data-testid={`gate-step-${i + 1}`}>
                gate: {gate.text}
              </small>
            )}
          </li>
        );
      })}
      {gates.has('confirm-promotion') && <GateItem r={r} events={events} point="confirm-promotion" />}
      <li className={done ? 'passed' : failed ? 'failed' : ''}>
        <b>{done ? 'promoted' : failed ? r.phase.replace('_', ' ') : '100%'}</b>
        <span>{done ? r.toVersion : failed ? r.fromVersion : 'promote'}</span>
      </li>
    </ol>
  );
}

function GateItem({ r, events, point }: { r: Rollout; events: LogEntry[]; point: GatePoint }) {
  const m = mark(r, events, point);
  return (
    <li className={`gate ${m.cls}`} data-testid={`gate-${point}`}>
      <b>gate</b>
      <span>{point.replace(/-/g, ' ')}</span>
      <small className={`gate-note ${m.cls}`}>{m.text}</small>
    </li>
  );
}

interface Mark {
  cls: 'passed' | 'failed' | 'current' | '';
  text: string;
}

/**
 * Where a gate stands, from the rollout's state (waiting now) and its log: the latest answer for that gate (and
 * step), with who gave it when a person did ("'release' approved by ana (operator)").
 */
function mark(r: Rollout, events: LogEntry[], point: GatePoint, stepIndex?: number): Mark {
  const here = (step: unknown) => stepIndex === undefined || step === stepIndex;
  if (r.gate?.point === point && r.gate.passed !== true && here(r.stepIndex + 1)) {
    return r.phase === 'paused'
      ? { cls: 'failed', text: 'held (resume to ask again)' }
      : { cls: 'current', text: 'waiting' };
  }
  let last: LogEntry | undefined;
  for (const e of events) {
    if (e.data.gate !== point || !here(e.data.step)) continue;
    if (e.type !== 'gate-passed' && e.type !== 'paused' && e.type !== 'rollback-started') continue;
    if (!last || e.at >= last.at) last = e;
  }
  if (!last) return { cls: '', text: stepIndex === undefined ? 'to come' : '' };
  const passed = last.type === 'gate-passed';
  // Reasons read "<point> gate passed: <answers>" / "<point> gate failed: <why>; <what follows>".
  const text = last.reason.replace(`${point} gate ${passed ? 'passed' : 'failed'}: `, '');
  // Several hooks' answers are joined with '; ' too, so only a failure is cut there.
  const answer = passed ? text : (text.split('; ')[0] ?? text);
  return { cls: passed ? 'passed' : 'failed', text: answer };
}
