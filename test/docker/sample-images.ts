import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { envFileValue } from '../haproxy/haproxy-process.js';

const run = promisify(execFile);
const SAMPLE_DIR = fileURLToPath(new URL('../../examples/sample-service/', import.meta.url));

export function baseImage(): string {
  return (
    process.env.CHIMERA_NODE_BASE_IMAGE ??
    envFileValue('docker', 'CHIMERA_NODE_BASE_IMAGE') ??
    'chimera-node-base:local'
  );
}

/** The engine when it answers and the local Node base image exists; undefined otherwise. */
export async function dockerIfAvailable(): Promise<Docker | undefined> {
  const docker = new Docker({ socketPath: '/var/run/docker.sock', timeout: 10_000 });
  try {
    await docker.ping();
    await docker.getImage(baseImage()).inspect();
    return docker;
  } catch {
    return undefined;
  }
}

/**
 * Builds `name:tag` from the local base image and examples/sample-service with environment knobs baked in
 * (ERROR_RATE, FAIL_READINESS…), so each version of a test service is its own image, as in real life.
 */
export async function buildSampleImage(image: string, env: Record<string, string> = {}): Promise<void> {
  const dockerfile = [
    `FROM ${baseImage()}`,
    'COPY server.js /app/server.js',
    ...Object.entries(env).map(([k, v]) => `ENV ${k}=${JSON.stringify(v)}`),
    'CMD ["node", "/app/server.js"]',
    '',
  ].join('\n');
  const child = run('docker', ['build', '-q', '-t', image, '-f', '-', SAMPLE_DIR], {
    env: { ...process.env, DOCKER_BUILDKIT: '0' },
  });
  child.child.stdin?.end(dockerfile);
  await child;
}

/** Removes every container and Swarm service labelled with this service. */
export async function cleanupService(docker: Docker, service: string): Promise<void> {
  const label = [`chimera.service=${service}`];
  for (const s of await docker.listServices({ filters: { label } }).catch(() => []))
    await docker
      .getService(s.ID)
      .remove()
      .catch(() => undefined);
  for (const c of await docker.listContainers({ all: true, filters: { label } }))
    await docker
      .getContainer(c.Id)
      .remove({ force: true })
      .catch(() => undefined);
}
