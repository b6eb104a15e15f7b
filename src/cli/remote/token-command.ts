import { TokenService, type TokenRecord } from '../../auth/tokens.js';
import { createLogger } from '../../logger.js';
import { openStore } from '../../store/index.js';
import type { TokenOptions } from '../commands/token.js';
import { dataDirOf } from '../local.js';
import { remoteFrom } from './client.js';

const print = (s: string): boolean => process.stdout.write(s + '\n');

/** Token management, on the local store (the server's data folder) or through a server's API. */
export async function tokenCommand(action: 'create' | 'list' | 'revoke', id: string | undefined, opts: TokenOptions) {
  const remote = remoteFrom(opts);
  let result: unknown;
  if (remote) {
    if (action === 'create')
      result = await remote.post('/api/v1/tokens', { role: opts.role, ...(opts.name ? { name: opts.name } : {}) });
    else if (action === 'list') result = (await remote.get<{ tokens: TokenRecord[] }>('/api/v1/tokens')).tokens;
    else result = await remote.delete(`/api/v1/tokens/${encodeURIComponent(id!)}`);
  } else {
    // Replicas sharing Postgres keep their tokens there: the same URL the servers use (flag, else DATABASE_URL).
    const databaseUrl = opts.databaseUrl || process.env.DATABASE_URL || undefined;
    const store = await openStore(dataDirOf(opts.dataDir), createLogger(), databaseUrl ? { databaseUrl } : {});
    try {
      const tokens = new TokenService(store);
      if (action === 'create') result = await tokens.create(opts.role ?? '', opts.name);
      else if (action === 'list') result = await tokens.list();
      else result = await tokens.revoke(id!);
    } finally {
      await store.close();
    }
  }
  if (opts.json) return void print(JSON.stringify(result, null, 2));
  if (action === 'create') {
    const t = result as TokenRecord & { token: string };
    print(`created ${t.role} token '${t.name}' (id ${t.id}). It is shown this once; keep it secret:\n${t.token}`);
  } else if (action === 'list') {
    const list = result as TokenRecord[];
    if (list.length === 0) print('no tokens yet (chimera token create --role admin)');
    for (const t of list)
      print(`${t.id}  ${t.role.padEnd(8)}  ${t.name}  created ${new Date(t.createdAt).toISOString()}`);
  } else {
    const t = result as TokenRecord;
    print(`revoked ${t.role} token '${t.name}' (id ${t.id})`);
  }
}
