import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { loadConnection } from './kubeconfig.js';

function write(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'chimera-kubeconfig-'));
  writeFileSync(join(dir, 'ca.crt'), 'CA');
  writeFileSync(join(dir, 'token'), 'file-token\n');
  writeFileSync(join(dir, 'config'), text);
  return join(dir, 'config');
}

const base = (user: string) => `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "https://127.0.0.1:6443", certificate-authority: ca.crt } }]
users: [{ name: u, user: ${user} }]
contexts:
  - { name: one, context: { cluster: c, user: u, namespace: shop } }
current-context: one
`;

describe('loadConnection', () => {
  it('reads the server, a CA relative to the file, the namespace and a token file', () => {
    const conn = loadConnection(write(base('{ tokenFile: token }')));
    expect(conn.server.href).toBe('https://127.0.0.1:6443/');
    expect(conn.ca?.toString()).toBe('CA');
    expect(conn.namespace).toBe('shop');
    expect(conn.authorization?.()).toBe('Bearer file-token');
  });

  it('reads inline certificate data', () => {
    const data = Buffer.from('PEM').toString('base64');
    const conn = loadConnection(write(base(`{ client-certificate-data: ${data}, client-key-data: ${data} }`)));
    expect(conn.cert?.toString()).toBe('PEM');
    expect(conn.authorization).toBeUndefined();
  });

  it('rejects exec plugins and unknown contexts with a ConfigError', () => {
    const file = write(base('{ exec: { command: aws } }'));
    expect(() => loadConnection(file)).toThrow(ConfigError);
    expect(() => loadConnection(write(base('{ token: t }')), 'nope')).toThrow(/no context 'nope'/);
    expect(() => loadConnection('/nonexistent/kubeconfig')).toThrow(ConfigError);
  });
});
