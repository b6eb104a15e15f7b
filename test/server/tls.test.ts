import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { startServer, type RunningServer } from '../../src/server/start.js';

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env.CI === 'true') throw new Error('openssl is needed to make the test certificate');
    console.warn('\n*** SKIPPING TLS server test: openssl is not installed ***\n');
    return false;
  }
})();

/** `chimera server --tls-cert --tls-key`: HTTPS on a real socket, Secure cookies, a first-login token printed once. */
describe.skipIf(!hasOpenssl)('server over TLS', () => {
  let dir: string;
  let server: RunningServer;
  const lines: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chimera-tls-'));
    const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
    server = await startServer({
      port: 0,
      dataDir: join(dir, 'data'),
      tlsCert: cert,
      tlsKey: key,
      log: silentLogger,
      out: (l) => lines.push(l),
    });
  });
  afterAll(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('serves HTTPS and marks the session cookies Secure', async () => {
    expect(server.url.startsWith('https://')).toBe(true);
    expect(lines.join('\n')).toContain(server.firstToken);
    const res = await new Promise<{ status: number; cookies: string[] }>((resolve, reject) => {
      const req = request(
        `${server.url}/api/v1/auth/login`,
        { method: 'POST', rejectUnauthorized: false, headers: { 'content-type': 'application/json' } },
        (r) => {
          r.resume();
          resolve({ status: r.statusCode ?? 0, cookies: r.headers['set-cookie'] ?? [] });
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ token: server.firstToken }));
    });
    expect(res.status).toBe(200);
    expect(res.cookies.length).toBe(2);
    for (const c of res.cookies) expect(c).toMatch(/; Secure/);
    expect(res.cookies.find((c) => c.startsWith('chimera_session='))).toMatch(/HttpOnly/);
  });

  it('refuses a busy port and a missing key file with clear configuration errors', async () => {
    const port = Number(new URL(server.url).port);
    await expect(startServer({ port, dataDir: join(dir, 'data3'), log: silentLogger })).rejects.toThrow(
      /already in use/,
    );
    await expect(
      startServer({ port: 0, dataDir: join(dir, 'data2'), tlsCert: join(dir, 'cert.pem'), log: silentLogger }),
    ).rejects.toThrow(/both --tls-cert and --tls-key/);
  });
});
