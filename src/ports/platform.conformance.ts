import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Platform, VersionStatus, VersionTarget } from './platform.js';

/**
 * What a platform implementation hands the suite. The workload must be the sample service
 * (`examples/sample-service`): every instance answers `GET /` with `{"version": VERSION}`.
 */
export interface PlatformHarness {
  platform: Platform;
  service: string;
  /** Two versions that start and become ready. */
  good: string;
  other: string;
  /** A version that can never start (command not found, image missing...). */
  broken: string;
  /** A second Platform object on the same state, as a restarted controller would create. */
  reopen?: () => Promise<Platform>;
  /**
   * Versions reported by each ready instance. Defaults to `GET /` on every endpoint; platforms that route by
   * name (no endpoints) provide their own.
   */
  answers?: (status: VersionStatus) => Promise<string[]>;
  /** How long to wait for a version to become ready or failed. Default 60 s. */
  timeoutMs?: number;
  cleanup(): Promise<void>;
}

/** GET http://host:port/ and return the `version` field of the JSON answer. */
export function versionAt(host: string, port: number, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path: '/', agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => {
        try {
          resolve(String((JSON.parse(body) as { version: unknown }).version));
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${host}:${port}`)));
    req.on('error', reject);
  });
}

/** Polls `read` until `done` holds; fails with the last value seen after `timeoutMs`. */
export async function eventually<T>(read: () => Promise<T>, done: (v: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs}ms; last: ${JSON.stringify(value)}`);
    await sleep(100);
  }
}

const sortedEndpoints = (s: VersionStatus) => s.endpoints.map((e) => `${e.host}:${e.port}`).sort();

/** The Platform contract: `describePlatformConformance('local', async () => harness)`. */
export function describePlatformConformance(name: string, setup: () => Promise<PlatformHarness>): void {
  describe(`Platform conformance: ${name}`, () => {
    let h: PlatformHarness;
    let timeoutMs: number;
    const signal = () => AbortSignal.timeout(120_000);
    const target = (version: string, replicas?: number): VersionTarget => ({
      service: h.service,
      version,
      role: 'canary',
      ...(replicas !== undefined ? { replicas } : {}),
    });
    const ready = (version: string, replicas?: number) =>
      eventually(
        () => h.platform.status(target(version, replicas), signal()),
        (s) => s.failed === true || (s.desired > 0 && s.ready === s.desired),
        timeoutMs,
      );
    const answers = (s: VersionStatus) =>
      h.answers ? h.answers(s) : Promise.all(s.endpoints.map((e) => versionAt(e.host, e.port)));

    beforeAll(async () => {
      h = await setup();
      timeoutMs = h.timeoutMs ?? 60_000;
    });
    afterEach(async () => {
      for (const v of [h.good, h.other, h.broken]) await h.platform.remove(target(v), signal());
    });
    afterAll(async () => {
      await h?.platform.close();
      await h?.cleanup();
    });

    it('deploys a version that becomes ready, and every endpoint answers as that version', async () => {
      await h.platform.deploy(target(h.good, 2), signal());
      const s = await ready(h.good, 2);
      expect(s.failed).toBeFalsy();
      expect(s).toMatchObject({ service: h.service, version: h.good, role: 'canary', desired: 2, ready: 2 });
      expect(await answers(s)).toEqual([h.good, h.good]);
      expect(new Set(sortedEndpoints(s)).size).toBe(s.endpoints.length);
    });

    it('adopts what runs when deployed again (idempotent)', async () => {
      await h.platform.deploy(target(h.good), signal());
      const first = await ready(h.good);
      const again = await h.platform.deploy(target(h.good), signal());
      expect(again.failed).toBeFalsy();
      const second = await ready(h.good);
      expect(sortedEndpoints(second)).toEqual(sortedEndpoints(first));
      expect(second.refs).toEqual(first.refs);
    });

    it('removes a version completely, and removing again is fine', async () => {
      await h.platform.deploy(target(h.good), signal());
      await ready(h.good);
      await h.platform.remove(target(h.good), signal());
      const after = await h.platform.status(target(h.good), signal());
      expect(after.ready).toBe(0);
      expect(after.failed).toBeFalsy();
      expect((await h.platform.list(h.service, signal())).map((v) => v.version)).not.toContain(h.good);
      await h.platform.remove(target(h.good), signal());
    });

    it('lists the versions that run', async () => {
      await h.platform.deploy(target(h.good), signal());
      await h.platform.deploy(target(h.other), signal());
      await ready(h.good);
      await ready(h.other);
      const listed = await h.platform.list(h.service, signal());
      expect(listed.map((v) => v.version).sort()).toEqual([h.good, h.other].sort());
      for (const v of listed) expect(v.service).toBe(h.service);
      expect(await h.platform.list(`${h.service}-nobody`, signal())).toEqual([]);
    });

    it('reports a version that was never deployed as not ready, not failed', async () => {
      const s = await h.platform.status(target('never-deployed'), signal());
      expect(s.ready).toBe(0);
      expect(s.endpoints).toEqual([]);
      expect(s.failed).toBeFalsy();
    });

    it('reports a version that can never start as failed, with a message', async () => {
      await h.platform.deploy(target(h.broken), signal());
      const s = await ready(h.broken);
      expect(s.failed).toBe(true);
      expect(s.ready).toBe(0);
      expect(s.message).toMatch(/\S/);
    });

    it('is adopted by a new Platform object (a restarted controller)', async (ctx) => {
      if (!h.reopen) return ctx.skip();
      await h.platform.deploy(target(h.good), signal());
      const before = await ready(h.good);
      const fresh = await h.reopen();
      try {
        const listed = await fresh.list(h.service, signal());
        expect(listed.map((v) => v.version)).toContain(h.good);
        const s = await fresh.status(target(h.good), signal());
        expect(s.ready).toBe(s.desired);
        expect(sortedEndpoints(s)).toEqual(sortedEndpoints(before));
      } finally {
        await fresh.close();
      }
    });
  });
}
