import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/**
 * Debian's chromium, driven by playwright-core (never a downloaded browser). Installs it when missing and allowed
 * (root, or CI); returns undefined when it cannot be had locally, and throws under CI=true, where a missing browser is
 * a failure.
 */
export function findChromium(): string | undefined {
  const which = (): string | undefined => {
    for (const p of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) if (existsSync(p)) return p;
    return undefined;
  };
  let path = which();
  if (!path && process.getuid?.() === 0) {
    try {
      execFileSync('bash', ['scripts/ci/install-system.sh', 'chromium'], { stdio: 'inherit', timeout: 600_000 });
    } catch {
      // Reported below.
    }
    path = which();
  }
  if (!path && process.env.CI === 'true') {
    throw new Error('chromium is missing: run scripts/ci/install-system.sh chromium (apt-get install -y chromium)');
  }
  if (!path)
    console.warn('\n*** SKIPPING browser tests: chromium is not installed (apt-get install -y chromium) ***\n');
  return path;
}

/** Launch flags for Debian's chromium as root in a container (see shared reference/backends.md). */
export async function launchChromium(executablePath: string): Promise<Browser> {
  // playwright's launch() already gives every browser a fresh temporary profile (it refuses --user-data-dir).
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
