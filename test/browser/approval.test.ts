import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { startServer, type RunningServer } from '../../src/server/start.js';
import { findChromium, launchChromium } from './chromium.js';

const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'browser');
const chromiumPath = findChromium();
// Everything waits for conditions; these only bound how long a busy 2-core machine may take.
const LONG = 180_000;

interface State {
  phase: string;
  gate?: { point: string; passed?: boolean };
}

/**
 * Given the demo service with a manual-approval hook before promotion (real processes, proxy and load), when its
 * rollout reaches the gate, then a viewer sees the approval asked for but cannot give it, and an operator approves
 * (or rejects) it from the dashboard and the rollout goes on (or rolls back), the timeline naming who answered.
 */
describe.skipIf(!chromiumPath)('manual approval in the dashboard (chromium)', () => {
  let server: RunningServer;
  let browser: Browser;
  let dataDir: string;
  const tokens = { operator: '', viewer: '' };

  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(server.url + path, {
      method,
      headers: {
        authorization: `Bearer ${server.firstToken}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const stateOf = (id: string) => api<State>('GET', `/api/v1/rollouts/${id}`);
  const until = async (what: () => Promise<boolean>, ms = LONG) => {
    const end = Date.now() + ms;
    while (!(await what())) {
      if (Date.now() > end) throw new Error('condition not reached in time');
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  /** Starts a rollout and waits until it stands at the approval gate before promotion. */
  const heldAtGate = async (version: string): Promise<string> => {
    const { id } = await api<{ id: string }>('POST', '/api/v1/rollouts', { service: 'shop', version });
    await until(async () => {
      const s = await stateOf(id);
      if (['succeeded', 'rolled_back', 'failed'].includes(s.phase)) {
        throw new Error(`rollout ${id} ended (${s.phase}) before reaching the gate`);
      }
      return s.gate?.point === 'confirm-promotion' && s.gate.passed !== true;
    });
    return id;
  };
  /** Waits for `what`; on a timeout keeps a screenshot and says what the page showed instead. */
  const see = async (page: Page, what: Locator, name: string): Promise<void> => {
    try {
      await what.waitFor({ timeout: LONG });
    } catch (err) {
      await page.screenshot({ path: join(ARTIFACTS, `approval-failed-${name}.png`), fullPage: true }).catch(() => 0);
      const text = (
        await page
          .locator('main')
          .innerText()
          .catch(() => '')
      ).slice(0, 1500);
      throw new Error(`${name} not shown in time; the page showed:\n${text}`, { cause: err });
    }
  };
  const open = async (token: string, id: string, mobile = false): Promise<Page> => {
    const page = await browser.newPage(
      mobile ? { viewport: { width: 390, height: 844 }, isMobile: true } : { viewport: { width: 1280, height: 900 } },
    );
    page.setDefaultTimeout(LONG);
    await page.goto(server.url + '/');
    await page.getByLabel('Token').fill(token);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Services' }).waitFor();
    // The services overview already tells that the rollout stands at a gate.
    await see(page, page.getByTestId('service-shop').getByTestId('at-gate').getByText('confirm-promotion'), 'card');
    await page.goto(`${server.url}/#/rollouts/${id}`);
    await page.getByTestId('timeline').waitFor();
    return page;
  };

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    dataDir = await mkdtemp(join(tmpdir(), 'chimera-browser-approval-'));
    server = await startServer({
      port: 0,
      dataDir,
      log: silentLogger,
      out: () => undefined,
      demo: {
        loop: false,
        rps: 300,
        // Threshold analysis decides a healthy canary within a step even on a busy machine (see dashboard.test.ts);
        // the hook holds the rollout before promotion until someone answers (30 minutes: never while the test runs).
        tweak: (y) =>
          y.replace('mode: sequential', 'mode: threshold') +
          '  hooks:\n    - { name: release-manager, kind: approval, type: confirm-promotion, timeout: 30m }\n',
      },
    });
    const t = server.app.chimera.tokens;
    tokens.operator = (await t.create('operator', 'release-lead')).token;
    tokens.viewer = (await t.create('viewer', 'watcher')).token;
    browser = await launchChromium(chromiumPath!);
  }, LONG);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }, LONG);

  it(
    'a viewer sees the gate but no enabled button; an operator approves and the rollout is promoted',
    async () => {
      const id = await heldAtGate('v2');

      const viewer = await open(tokens.viewer, id, true);
      const asked = viewer.getByTestId('approval');
      await see(viewer, asked.getByText('Waiting for approval'), 'viewer-panel');
      await viewer
        .getByTestId('approval-why')
        .getByText(/needs the operator role/)
        .waitFor();
      expect(await viewer.getByRole('button', { name: 'Approve' }).isDisabled()).toBe(true);
      expect(await viewer.getByRole('button', { name: 'Reject' }).isDisabled()).toBe(true);
      expect(await viewer.locator('button:enabled', { hasText: /Approve|Reject/ }).count()).toBe(0);
      await viewer.screenshot({ path: join(ARTIFACTS, 'approval-viewer-phone.png'), fullPage: true });
      await viewer.close();
      expect((await stateOf(id)).phase).toBe('progressing');

      const operator = await open(tokens.operator, id);
      await see(operator, operator.getByTestId('gate-confirm-promotion').getByText('waiting'), 'gate-waiting');
      await operator.getByTestId('approval').getByRole('button', { name: 'Approve' }).click();
      await operator.getByRole('dialog').getByRole('button', { name: 'Yes, approve' }).click();
      await see(operator, operator.getByTestId('phase').getByText('succeeded'), 'promoted');
      await operator
        .getByTestId('gate-confirm-promotion')
        .getByText(/approved by release-lead \(operator\)/)
        .waitFor();
      expect(await operator.getByTestId('approval').count()).toBe(0);
      expect((await stateOf(id)).phase).toBe('succeeded');
      await operator.screenshot({ path: join(ARTIFACTS, 'approval-approved.png'), fullPage: true });
      await operator.close();
    },
    3 * LONG,
  );

  it(
    'an operator rejects from the dashboard and the rollout rolls back',
    async () => {
      const id = await heldAtGate('v4');
      const page = await open(tokens.operator, id);
      await page.getByTestId('approval').getByRole('button', { name: 'Reject' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Yes, reject' }).click();
      await see(page, page.getByTestId('phase').getByText('rolled back'), 'rolled-back');
      await page
        .getByTestId('gate-confirm-promotion')
        .getByText(/rejected by release-lead \(operator\)/)
        .waitFor();
      expect((await stateOf(id)).phase).toBe('rolled_back');
      await page.screenshot({ path: join(ARTIFACTS, 'approval-rejected.png'), fullPage: true });
      await page.close();
    },
    3 * LONG,
  );
});
