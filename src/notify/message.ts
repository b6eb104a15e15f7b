import type { Notification } from '../ports/notifier.js';

/**
 * What every chat message says, whatever the destination: the outcome in a title, the reason, the evidence as
 * `key: value` pairs and the link to the rollout page. Values are the engine's own (numbers, short strings);
 * anything from outside is cut to a bounded length so a message always fits the destination's limits.
 */
export interface Message {
  title: string;
  /** One line a person understands (the log entry's reason). */
  reason: string;
  /** Evidence, at most 12 pairs. */
  facts: Array<{ name: string; value: string }>;
  url?: string;
  /** good | bad | neutral, for colours. */
  tone: 'good' | 'bad' | 'neutral';
}

const BAD = new Set(['rollback-started', 'rolled-back', 'failed', 'gate-failed', 'paused']);
const GOOD = new Set(['promoted', 'gate-passed', 'canary-ready', 'step-advanced']);

export function buildMessage(n: Notification): Message {
  const { rollout: r, entry } = n;
  const outcome: Record<string, string> = {
    promoted: 'promoted',
    'rolled-back': 'rolled back',
    failed: 'FAILED',
    'rollback-started': 'rolling back',
    'promotion-started': 'promoting',
    'rollout-created': 'rollout created',
    'gate-waiting': 'waiting at a gate',
    'gate-passed': 'gate passed',
    'gate-failed': 'gate failed',
  };
  const what = outcome[entry.type] ?? entry.type.replace(/-/g, ' ');
  const title = cut(
    `${r.service}: ${r.fromVersion} → ${r.toVersion} ${what} (${r.phase.replace('_', ' ')}, ${r.weight}%)`,
    200,
  );
  const facts = Object.entries(entry.data)
    .filter(([, v]) => v !== null && v !== undefined && typeof v !== 'object')
    .slice(0, 12)
    .map(([name, value]) => ({ name: cut(name, 40), value: cut(String(value), 100) }));
  const m: Message = {
    title,
    reason: cut(entry.reason, 1000),
    facts,
    tone: BAD.has(entry.type) ? 'bad' : GOOD.has(entry.type) ? 'good' : 'neutral',
  };
  if (n.url) m.url = n.url;
  return m;
}

/** Plain text with the evidence on one line, for destinations without rich layout. */
export function plainText(m: Message): string {
  const facts = m.facts.map((f) => `${f.name}=${f.value}`).join(', ');
  return [m.title, m.reason, facts ? `evidence: ${facts}` : '', m.url ?? ''].filter(Boolean).join('\n');
}

export function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Slack mrkdwn and Discord markdown treat these as markup; a version name must not become a link or a ping. */
export function escapeMarkup(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/@/g, '@\u200b');
}
