import { createHash, randomBytes } from 'node:crypto';
import { ConfigError, NotFoundError } from '../errors.js';
import type { Store } from '../ports/store.js';
import { updateValue } from '../store/update-value.js';
import { isRole, ROLES, type Principal, type Role } from './roles.js';

/** Every token starts with this, so a leaked one is easy to recognise (and to grep for in logs). */
export const TOKEN_PREFIX = 'chm_';
const INDEX_KEY = 'auth:tokens';
const MAX_NAME = 80;

/** What is kept about a token: its hash, never the token. */
export interface TokenRecord {
  id: string;
  name: string;
  role: Role;
  createdAt: number;
}

interface StoredToken extends TokenRecord {
  hash: string;
}

/**
 * API tokens in the store's key/value area. A token is 32 random bytes; only its SHA-256 is stored (a slow hash adds
 * nothing for 256 bits of entropy), under `auth:token:<hash>` so a presented token is found with one lookup, plus an
 * index for listing and revoking.
 *
 * @example
 * const { token } = await new TokenService(store).create('operator', 'ci');  // shown once, never again
 */
export class TokenService {
  constructor(private readonly store: Store) {}

  /** Creates a token. The returned `token` is the only copy: print it once. */
  async create(role: string, name?: string): Promise<TokenRecord & { token: string }> {
    if (!isRole(role)) throw new ConfigError(`unknown role '${role}': use one of ${ROLES.join(', ')}`);
    const label = (name ?? `${role}-token`).trim();
    if (!label || label.length > MAX_NAME || [...label].some((c) => c.charCodeAt(0) < 32)) {
      throw new ConfigError(`token name must be 1–${MAX_NAME} printable characters`);
    }
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const record: TokenRecord = { id: randomBytes(6).toString('hex'), name: label, role, createdAt: Date.now() };
    const stored: StoredToken = { ...record, hash: hashToken(token) };
    await this.store.setValue(`auth:token:${stored.hash}`, JSON.stringify(record));
    await this.updateIndex((all) => [...all, stored]);
    return { ...record, token };
  }

  /** The principal a presented token stands for, or undefined when it is unknown or revoked. */
  async verify(token: string): Promise<Principal | undefined> {
    if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return undefined;
    const raw = await this.store.getValue(`auth:token:${hashToken(token)}`);
    if (!raw) return undefined;
    const r = JSON.parse(raw) as TokenRecord;
    return { id: r.id, name: r.name, role: r.role };
  }

  async list(): Promise<TokenRecord[]> {
    return (await this.readIndex()).map(({ hash: _hash, ...r }) => r);
  }

  async revoke(id: string): Promise<TokenRecord> {
    const found = (await this.readIndex()).find((t) => t.id === id);
    if (!found) throw new NotFoundError(`no token with id '${id}'`);
    // The token stops working first; a crash before the index update leaves a listed, revocable dead entry.
    await this.store.setValue(`auth:token:${found.hash}`, undefined);
    await this.updateIndex((all) => all.filter((t) => t.id !== id));
    const { hash: _hash, ...record } = found;
    return record;
  }

  private async readIndex(): Promise<StoredToken[]> {
    return parseIndex(await this.store.getValue(INDEX_KEY));
  }

  /**
   * Read-modify-write of the index as a compare-and-set loop: two servers (or a server and `chimera token`)
   * creating tokens at once must not drop each other's entry from the list.
   */
  private async updateIndex(change: (all: StoredToken[]) => StoredToken[]): Promise<void> {
    await updateValue(this.store, INDEX_KEY, (raw) => JSON.stringify(change(parseIndex(raw))), 'the token index');
  }
}

function parseIndex(raw: string | undefined): StoredToken[] {
  return raw ? (JSON.parse(raw) as StoredToken[]) : [];
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
