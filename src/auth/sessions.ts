import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Store } from '../ports/store.js';
import { ConflictError } from '../errors.js';
import { updateValue } from '../store/update-value.js';
import type { Principal } from './roles.js';
import { hashToken } from './tokens.js';

export interface Session {
  principal: Principal;
  /** Hash of the token used to log in: the session ends when that token is revoked. */
  tokenHash: string;
  /** The double-submit CSRF secret: sent back in a readable cookie, required in a header on every change. */
  csrf: string;
  expiresAt: number;
}

/** The part of the Store sessions use: its key/value area, shared by every replica on the same store. */
export type SessionBackend = Pick<Store, 'getValue' | 'setValue' | 'compareAndSet'>;

const INDEX_KEY = 'auth:sessions';
const sessionKey = (hash: string): string => `auth:session:${hash}`;

/**
 * Dashboard sessions, kept in the store: replicas behind one Service (the Kubernetes manifests run two) all know
 * every session, and a restart keeps people logged in. The cookie holds a random id; the store is keyed by its
 * hash, so a copy of the store (or a heap dump) hands out no live cookie. An index of live sessions and their
 * expiry lets each login delete the expired ones, so sessions never logged out do not pile up.
 */
export class SessionStore {
  constructor(
    private readonly backend: SessionBackend,
    private readonly ttlMs = 12 * 3600_000,
  ) {}

  async create(principal: Principal, token: string, now = Date.now()): Promise<{ id: string; session: Session }> {
    const id = randomBytes(32).toString('base64url');
    const hash = hashToken(id);
    const session: Session = {
      principal,
      tokenHash: hashToken(token),
      csrf: randomBytes(32).toString('base64url'),
      expiresAt: now + this.ttlMs,
    };
    await this.backend.setValue(sessionKey(hash), JSON.stringify(session));
    await this.updateIndex(now, (live) => live.set(hash, session.expiresAt));
    return { id, session };
  }

  async get(id: string | undefined, now = Date.now()): Promise<Session | undefined> {
    if (!id || id.length > 100) return undefined;
    const hash = hashToken(id);
    const raw = await this.backend.getValue(sessionKey(hash));
    const s = raw === undefined ? undefined : parseSession(raw);
    if (s && s.expiresAt > now) return s;
    if (raw !== undefined) await this.backend.setValue(sessionKey(hash), undefined);
    return undefined;
  }

  async delete(id: string | undefined, now = Date.now()): Promise<void> {
    if (!id || id.length > 100) return;
    const hash = hashToken(id);
    await this.backend.setValue(sessionKey(hash), undefined);
    await this.updateIndex(now, (live) => live.delete(hash));
  }

  /** Applies `change` to the index (hash → expiry) after dropping, and deleting, the expired sessions. */
  private async updateIndex(now: number, change: (live: Map<string, number>) => void): Promise<void> {
    let expired: string[] = [];
    try {
      await updateValue(
        this.backend,
        INDEX_KEY,
        (stored) => {
          const live = new Map(parseIndex(stored));
          expired = [...live].filter(([, at]) => at <= now).map(([h]) => h);
          for (const h of expired) live.delete(h);
          change(live);
          return JSON.stringify([...live]);
        },
        'the session index',
      );
    } catch (err) {
      // Logins racing on the index without end: the session itself is stored and works; its index entry (only
      // used to clean up) waits for the next login.
      if (err instanceof ConflictError) return;
      throw err;
    }
    for (const h of expired) await this.backend.setValue(sessionKey(h), undefined);
  }
}

function parseSession(raw: string): Session | undefined {
  try {
    const s = JSON.parse(raw) as Session;
    return typeof s.expiresAt === 'number' && typeof s.csrf === 'string' ? s : undefined;
  } catch {
    return undefined;
  }
}

function parseIndex(raw: string | undefined): Array<[string, number]> {
  if (!raw) return [];
  try {
    const v = JSON.parse(raw) as unknown;
    return Array.isArray(v)
      ? v.filter((e): e is [string, number] => Array.isArray(e) && typeof e[0] === 'string' && typeof e[1] === 'number')
      : [];
  } catch {
    return [];
  }
}

/** Constant-time comparison of two CSRF strings. */
export function sameSecret(a: string | undefined, b: string): boolean {
  if (typeof a !== 'string') return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Counts failed logins per client address in a sliding window. Only failures count, so a person who logs in correctly
 * is never locked out by their own successful logins.
 */
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly max = 5,
    private readonly windowMs = 60_000,
  ) {}

  /** Seconds to wait before trying again, or 0 when allowed. */
  retryAfter(client: string, now = Date.now()): number {
    const recent = this.recent(client, now);
    if (recent.length < this.max) return 0;
    return Math.max(1, Math.ceil((recent[0]! + this.windowMs - now) / 1000));
  }

  fail(client: string, now = Date.now()): void {
    const recent = this.recent(client, now);
    recent.push(now);
    this.failures.set(client, recent);
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value!);
  }

  private recent(client: string, now: number): number[] {
    return (this.failures.get(client) ?? []).filter((t) => t > now - this.windowMs);
  }
}
