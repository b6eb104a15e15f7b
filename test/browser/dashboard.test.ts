import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { startServer, type RunningServer } from '../../src/server/start.js';
import { findChromium, launchChromium } from './chromium.js';

const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'browser');
const chromiumPath = findChromium();

/**
 * Given a server running the demo service (real processes, the built-in proxy, real load) and its dashboard,
 * when people log in with tokens of different roles, then they watch rollouts move live and steer them by role.
 */
describe.skipIf(!chromiumPath)('dashboard in chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let dataDir: string;
  let viewerToken: string;

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
  const start = (version: string) => api<{ id: string }>('POST', '/api/v1/rollouts', { service: 'shop', version });
  const phaseOf = async (id: string) => (await api<{ phase: string }>('GET', `/api/v1/rollouts/${id}`)).phase;
  const until = async (what: () => Promise<boolean>, ms = 90_000) => {
    const end = Date.now() + ms;
    while (!(await what())) {
      if (Date.now() > end) throw new Error('condition not reached in time');
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const login = async (page: Page, token: string) => {
    await page.goto(server.url + '/');
    await page.getByLabel('Token').fill(token);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Services' }).waitFor();
  };

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    dataDir = await mkdtemp(join(tmpdir(), 'chimera-browser-'));
    server = await startServer({
      port: 0,
      dataDir,
      log: silentLogger,
      out: () => undefined,
      // The test starts the rollouts itself. Threshold analysis (5% errors, 500 ms p99) decides a healthy canary within
      // a step even on a busy machine, where the sequential test may need more traffic than the step deadline allows.
      demo: { loop: false, rps: 300, tweak: (y) => y.replace('mode: sequential', 'mode: threshold') },
    });
    viewerToken = (await server.app.chimera.tokens.create('viewer', 'watcher')).token;
    browser = await launchChromium(chromiumPath!);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('logs in and shows a rollout advancing live until promoted', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await login(page, server.firstToken!);
    const { id } = await start('v2');
    await page.getByTestId('service-shop').getByTestId('open-rollout').click();
    await page.waitForURL(`**/#/rollouts/${id}`);
    const weight = page.getByTestId('weight');
    // The first step's weight, then a higher one, arrive over the event stream: the page is never reloaded.
    await expect
      .poll(async () => Number((await weight.textContent())?.replace('%', '')), { timeout: 90_000 })
      .toBeGreaterThan(0);
    const first = Number((await weight.textContent())?.replace('%', ''));
    await page.screenshot({ path: join(ARTIFACTS, 'rollout-progressing.png'), fullPage: true });
    await expect
      .poll(async () => Number((await weight.textContent())?.replace('%', '')), { timeout: 90_000 })
      .toBeGreaterThan(first);
    await page.getByTestId('phase').getByText('succeeded').waitFor({ timeout: 120_000 });
    await page.getByTestId('decisions').getByText('step-advanced').first().waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'rollout-promoted.png'), fullPage: true });
    await page.close();
  });

  it('aborts a rollout from the dashboard and shows it roll back', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await login(page, server.firstToken!);
    const { id } = await start('v4');
    await page.goto(`${server.url}/#/rollouts/${id}`);
    await page.getByTestId('phase').getByText('progressing').waitFor({ timeout: 90_000 });
    await page.getByRole('button', { name: 'Abort' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Yes, abort' }).click();
    await page.getByTestId('phase').getByText('rolled back').waitFor({ timeout: 90_000 });
    expect(await phaseOf(id)).toBe('rolled_back');
    await page.getByTestId('decisions').getByText(/abort/i).first().waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'rollout-aborted.png'), fullPage: true });
    await page.close();
  });

  it('shows a viewer no buttons, and the API refuses a viewer with 403 (phone width)', async () => {
    const { id } = await start('v5');
    await until(async () => (await phaseOf(id)) === 'progressing');
    // Held by an admin, so it is certainly still in flight while the viewer looks.
    await api('POST', `/api/v1/rollouts/${id}/commands`, { command: 'pause' });
    await until(async () => (await phaseOf(id)) === 'paused');
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
    await login(page, viewerToken);
    await page
      .getByTestId('who')
      .getByText(/viewer/)
      .waitFor();
    await page.goto(`${server.url}/#/rollouts/${id}`);
    await page.getByTestId('timeline').waitFor();
    await page.getByTestId('phase').getByText('paused').waitFor();
    expect(await page.getByTestId('controls').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Abort' }).count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, 'viewer-phone.png'), fullPage: true });
    // The same session, calling the API directly with a valid CSRF token, is still refused.
    const csrf = (await page.context().cookies()).find((c) => c.name === 'chimera_csrf')?.value ?? '';
    expect(csrf).not.toBe('');
    const status = await page.evaluate(
      async ({ rollout, token }) => {
        const res = await fetch(`/api/v1/rollouts/${rollout}/commands`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': token },
          body: JSON.stringify({ command: 'abort' }),
        });
        return res.status;
      },
      { rollout: id, token: csrf },
    );
    expect(status).toBe(403);
    expect(await phaseOf(id)).toBe('paused');
    await page.close();
    await api('POST', `/api/v1/rollouts/${id}/commands`, { command: 'abort' });
    await until(async () => (await phaseOf(id)) === 'rolled_back');
  });

  it('shows spec problems inline at their line:column while typing', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await login(page, server.firstToken!);
    await page.goto(`${server.url}/#/specs/shop`);
    const editor = page.getByTestId('spec-text');
    await expect.poll(async () => editor.inputValue(), { timeout: 30_000 }).toContain('kind: Canary');
    await page.getByTestId('validation').getByText('valid').waitFor();
    const yaml = await editor.inputValue();
    const broken = yaml.replace('steps: [10, 25, 50]', 'steps: [80, 50]');
    expect(broken).not.toBe(yaml);
    await editor.fill(broken);
    const line = broken.split('\n').findIndex((l) => l.includes('steps: [80, 50]')) + 1;
    const problem = page
      .getByTestId('validation')
      .getByText(new RegExp(`^${line}:\\d+`))
      .first();
    await problem.waitFor({ timeout: 30_000 });
    expect(await problem.textContent()).toContain('spec.strategy.steps');
    expect(await page.locator('.gutter .bad').first().textContent()).toBe(`${line}\n`);
    expect(await page.getByRole('button', { name: 'Save spec' }).isDisabled()).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'spec-editor-errors.png'), fullPage: true });
    await page.close();
  });
});
