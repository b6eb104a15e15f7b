import { randomBytes, timingSafeEqual } from 'node:crypto';
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

/**
 * Dashboard sessions, in memory: a restart logs everyone out, which is the safe direction. The cookie holds a random
 * id; the map is keyed by its hash so a heap dump does not hand out live cookies.
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly ttlMs = 12 * 3600_000) {}

  create(principal: Principal, token: string, now = Date.now()): { id: string; session: Session } {
    this.sweep(now);
    const id = randomBytes(32).toString('base64url');
    const session: Session = {
      principal,
      tokenHash: hashToken(token),
      csrf: randomBytes(32).toString('base64url'),
      expiresAt: now + this.ttlMs,
    };
    this.sessions.set(hashToken(id), session);
    return { id, session };
  }

  get(id: string | undefined, now = Date.now()): Session | undefined {
    if (!id || id.length > 100) return undefined;
    const key = hashToken(id);
    const s = this.sessions.get(key);
    if (s && s.expiresAt <= now) {
      this.sessions.delete(key);
      return undefined;
    }
    return s;
  }

  delete(id: string | undefined): void {
    if (id) this.sessions.delete(hashToken(id));
  }

  private sweep(now: number): void {
    for (const [k, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(k);
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
