import { useEffect, useState } from 'react';
import { api, TERMINAL, type ApprovalStatus, type Me, type Rollout } from '../api';
import { ConfirmButton, duration, when } from './bits';

/**
 * Approve / Reject for a rollout held at a manual-approval gate. The server says whether the gate waits for a
 * person (a gate of HTTP hooks only does not) and whether this user may answer; a user who may not sees the buttons
 * disabled with the reason, so nobody wonders why the rollout stands still.
 */
export function Approval({ r, me }: { r: Rollout; me: Me }) {
  const [status, setStatus] = useState<ApprovalStatus | null>(null);
  const [error, setError] = useState('');
  // The answer was sent; the rollout takes it at its next look (the gate then shows as passed).
  const [sent, setSent] = useState<'approved' | 'rejected' | null>(null);
  const open = r.gate !== undefined && r.gate.passed !== true && r.phase !== 'paused' && !TERMINAL.includes(r.phase);
  const key = open ? `${r.id} ${r.gate?.point} ${r.gate?.since}` : '';

  useEffect(() => {
    setSent(null);
    setError('');
    if (!key) {
      setStatus(null);
      return;
    }
    let live = true;
    api<ApprovalStatus>('GET', `/api/v1/rollouts/${encodeURIComponent(r.id)}/approval`).then(
      (s) => live && setStatus(s),
      (e: unknown) => live && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      live = false;
    };
  }, [key, r.id]);

  if (!key) return null;
  if (error && !status)
    return <p className="error approval">Could not tell whether this rollout needs approval: {error}</p>;
  if (!status?.waiting) return null;

  const answer = (approved: boolean) => async () => {
    await api('POST', `/api/v1/rollouts/${encodeURIComponent(r.id)}/approval`, { approved });
    setSent(approved ? 'approved' : 'rejected');
  };
  const names = status.hooks.map((h) => `'${h.name}'`).join(', ');
  const longest = Math.max(...status.hooks.map((h) => h.timeoutMs));
  const why = status.allowed
    ? undefined
    : `Answering needs the ${status.role} role; you are signed in as ${me.name} (${me.role}).`;
  return (
    <section className="approval card" data-testid="approval">
      <div>
        <b>Waiting for approval</b> at the {status.point} gate ({names})
        {status.since !== undefined && (
          <span className="muted">
            {' '}
            · since {when(status.since)} · times out after {duration(longest)}
          </span>
        )}
        {sent && (
          <p className="ok" data-testid="approval-sent">
            You {sent} it; the rollout takes the answer within moments.
          </p>
        )}
        {why && (
          <p className="muted" data-testid="approval-why">
            {why}
          </p>
        )}
      </div>
      <div className="buttons">
        <ConfirmButton
          label="Approve"
          question={`Approve the ${status.point} gate of ${r.service} ${r.toVersion}? The rollout goes on at once.`}
          disabled={!status.allowed || sent !== null}
          {...(why ? { title: why } : {})}
          onConfirm={answer(true)}
        />
        <ConfirmButton
          label="Reject"
          danger
          question={`Reject the ${status.point} gate of ${r.service} ${r.toVersion}? The gate fails and the rollout follows its onFailure policy (rolls back unless set to hold).`}
          disabled={!status.allowed || sent !== null}
          {...(why ? { title: why } : {})}
          onConfirm={answer(false)}
        />
      </div>
    </section>
  );
}
