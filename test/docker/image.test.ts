import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../haproxy/haproxy-process.js';
import { requireBackend, waitFor } from '../prometheus/prometheus-process.js';
import { baseImage, dockerIfAvailable } from './sample-images.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const docker = await dockerIfAvailable();
const compose = await run('docker-compose', ['version']).then(
  () => true,
  () => false,
);
const enabled =
  requireBackend('Docker engine with the local base image', docker, 'scripts/test-env/docker.sh') &&
  requireBackend('docker-compose', compose, 'scripts/test-env/docker.sh');

describe.skipIf(!enabled)("Chimera's own image and compose file", () => {
  const tag = `chimera:test-${randomBytes(3).toString('hex')}`;
  const project = `chimeratest${randomBytes(3).toString('hex')}`;
  let port: number;
  const env = () => ({
    ...process.env,
    CHIMERA_IMAGE: tag,
    CHIMERA_PORT: String(port),
    CHIMERA_BASE_IMAGE: baseImage(),
  });

  beforeAll(async () => {
    port = await freePort();
    // Given the local base image (no registry), when the Dockerfile is built with it as BASE...
    await run('docker', ['build', '-q', '--build-arg', `BASE=${baseImage()}`, '-t', tag, ROOT], {
      env: { ...process.env, DOCKER_BUILDKIT: '0' },
      maxBuffer: 64 * 1024 * 1024,
    });
  });
  afterAll(async () => {
    if (!enabled) return;
    await run('docker-compose', ['-p', project, 'down', '-v'], { cwd: ROOT, env: env() }).catch(() => undefined);
    await run('docker', ['image', 'rm', '-f', tag]).catch(() => undefined);
  });

  it('then the image runs `chimera --version`', async () => {
    const { stdout } = await run('docker', ['run', '--rm', '--network', 'host', tag, '--version']);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("then the compose file's server answers /healthz on its loopback port", async () => {
    await run('docker-compose', ['-p', project, 'up', '-d', '--no-build', 'chimera'], { cwd: ROOT, env: env() });
    let last = '';
    await waitFor(`/healthz on 127.0.0.1:${port} (last: ${last})`, async () => {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`).catch((e: Error) => e);
      if (res instanceof Error) return false;
      last = await res.text();
      return res.status === 200;
    });
    // A single server (no leader election) always leads; /healthz says so beside ok.
    expect(JSON.parse(last)).toMatchObject({ ok: true, leader: { leading: true } });
  });
});
