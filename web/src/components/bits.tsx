import { useState, type ReactNode } from 'react';
import type { Phase } from '../api';

export function PhaseBadge({ phase }: { phase: Phase }) {
  return (
    <span className={`badge phase-${phase}`} data-testid="phase">
      {phase.replace('_', ' ')}
    </span>
  );
}

export function WeightBar({ weight }: { weight: number }) {
  return (
    <span className="weightbar" title={`canary ${weight}%`}>
      <span style={{ width: `${Math.max(0, Math.min(100, weight))}%` }} />
    </span>
  );
}

/** A button that asks before acting: steering a live rollout is never one accidental click. */
export function ConfirmButton(props: {
  label: string;
  question: string;
  danger?: boolean;
  /** Shown but not usable; `title` should say why. */
  disabled?: boolean;
  title?: string;
  onConfirm: () => Promise<void>;
}) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const confirm = async () => {
    setBusy(true);
    setError('');
    try {
      await props.onConfirm();
      setOpen(false);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button
        className={props.danger ? 'danger' : ''}
        disabled={props.disabled}
        title={props.title}
        onClick={() => setOpen(true)}
      >
        {props.label}
      </button>
      {open && (
        <Modal onClose={() => setOpen(false)}>
          <p>{props.question}</p>
          {error && <p className="error">{error}</p>}
          <div className="actions">
            <button onClick={() => setOpen(false)}>Cancel</button>
            <button className={props.danger ? 'danger' : 'primary'} disabled={busy} onClick={() => void confirm()}>
              {busy ? 'Working…' : `Yes, ${props.label.toLowerCase()}`}
            </button>
          </div>
        </Modal>
      )}
    </>
  );
}

export function Modal({ children, onClose }: { children: ReactNode; onClose: () => void }) {
  return (
    <div className="overlay" onClick={onClose}>
      <div className="modal" role="dialog" aria-modal="true" onClick={(e) => e.stopPropagation()}>
        {children}
      </div>
    </div>
  );
}

export const pct = (x: number) => `${(x * 100).toFixed(x > 0 && x < 0.01 ? 2 : 1)}%`;
export const msText = (x: number) => `${x.toFixed(0)} ms`;
export const when = (t: number) => new Date(t).toLocaleString();
export const duration = (ms: number) => {
  const s = Math.round(ms / 1000);
  return s < 90 ? `${s}s` : s < 5400 ? `${Math.round(s / 60)}m` : `${(s / 3600).toFixed(1)}h`;
};
