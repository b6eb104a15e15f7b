import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ConfigError } from '../../errors.js';
import { serverOptions } from './serve.js';

const base = { host: '127.0.0.1', port: '7070' };

describe('chimera server options from flags and environment', () => {
  it('given nothing, then a single server: no database URL, no leader election, no watchers', () => {
    expect(serverOptions(base, {})).toEqual({ host: '127.0.0.1', port: 7070 });
  });

  it('given the variables the Kubernetes manifest sets, then every one is used', () => {
    const env = {
      POD_NAME: 'chimera-7d9f-abcde',
      POD_NAMESPACE: 'chimera',
      CHIMERA_LEADER_ELECTION_LEASE: 'chimera-controller',
      DATABASE_URL: 'postgres://chimera@db:5432/chimera',
      CHIMERA_WATCH_KUBERNETES: 'shop, payments',
      CHIMERA_WATCH_FOLDER: '/specs',
    };
    expect(serverOptions(base, env)).toEqual({
      host: '127.0.0.1',
      port: 7070,
      databaseUrl: 'postgres://chimera@db:5432/chimera',
      leaderElection: { lease: 'chimera-controller', identity: 'chimera-7d9f-abcde', namespace: 'chimera' },
      watchKubernetes: ['shop', 'payments'],
      watchFolder: '/specs',
    });
  });

  it('given a flag and its variable, then the flag wins; an empty variable counts as unset', () => {
    const opts = serverOptions(
      { ...base, leaderElection: 'from-flag', databaseUrl: 'postgres://flag/db', watchKubernetes: 'all' },
      { CHIMERA_LEADER_ELECTION_LEASE: 'from-env', DATABASE_URL: 'postgres://env/db', CHIMERA_WATCH_FOLDER: ' ' },
    );
    expect(opts.leaderElection).toEqual({ lease: 'from-flag' });
    expect(opts.databaseUrl).toBe('postgres://flag/db');
    expect(opts.watchKubernetes).toBe('all');
    expect(opts.watchFolder).toBeUndefined();
  });

  it('given a bad port, Lease name or namespace list, then a ConfigError naming the flag', () => {
    expect(() => serverOptions({ ...base, port: '70000' }, {})).toThrow(ConfigError);
    expect(() => serverOptions({ ...base, leaderElection: 'Not_A_Name' }, {})).toThrow(/--leader-election/);
    expect(() => serverOptions({ ...base, watchKubernetes: 'shop,Bad!' }, {})).toThrow(/--watch-kubernetes/);
    expect(() => serverOptions(base, { CHIMERA_WATCH_KUBERNETES: ',' })).toThrow(ConfigError);
  });
});

describe('deploy/kubernetes/deployment.yaml', () => {
  it('sets only environment variables the server reads: each one changes the options it starts with', () => {
    const text = readFileSync(new URL('../../../deploy/kubernetes/deployment.yaml', import.meta.url), 'utf8');
    const deployment = parseAllDocuments(text)
      .map(
        (d) =>
          d.toJS() as { kind: string; spec: { template: { spec: { containers: { env?: { name: string }[] }[] } } } },
      )
      .find((d) => d.kind === 'Deployment')!;
    const names = deployment.spec.template.spec.containers.flatMap((c) => (c.env ?? []).map((e) => e.name));
    expect(names.length).toBeGreaterThan(0);
    // POD_NAME and POD_NAMESPACE matter with leader election, which the manifest turns on.
    const withLease = { CHIMERA_LEADER_ELECTION_LEASE: 'chimera-controller' };
    for (const name of names) {
      const env = { ...withLease, [name]: name === 'CHIMERA_WATCH_KUBERNETES' ? 'all' : 'x-value' };
      expect(serverOptions(base, env), name).not.toEqual(serverOptions(base, name in withLease ? {} : withLease));
    }
  });
});
