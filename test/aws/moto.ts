import { existsSync, readFileSync } from 'node:fs';

/**
 * Finds moto's server for the AWS suites: CHIMERA_MOTO_ENDPOINT, else the env file `scripts/test-env/moto.sh`
 * writes. Absent: the suites skip with a loud message, except under CI=true where that is a failure.
 */
export function motoEndpoint(): string | undefined {
  if (process.env.CHIMERA_MOTO_ENDPOINT) return process.env.CHIMERA_MOTO_ENDPOINT;
  const file = `${process.env.CHIMERA_TEST_CACHE ?? '/var/cache/chimera-test'}/moto.env`;
  if (!existsSync(file)) return undefined;
  const m = /^CHIMERA_MOTO_ENDPOINT=(.+)$/m.exec(readFileSync(file, 'utf8'));
  return m?.[1]?.trim();
}

/** True when moto answers; throws under CI=true when it does not, warns loudly otherwise. */
export async function motoAvailable(endpoint = motoEndpoint()): Promise<boolean> {
  let ok = false;
  if (endpoint) {
    try {
      ok = (await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(3000) })).ok;
    } catch {
      ok = false;
    }
  }
  if (ok) return true;
  const msg = `moto server not reachable (${endpoint ?? 'no CHIMERA_MOTO_ENDPOINT'}): run scripts/test-env/moto.sh`;
  if (process.env.CI === 'true') throw new Error(msg);
  console.warn(`\n*** SKIPPING AWS TESTS: ${msg} ***\n`);
  return false;
}

/** Fake credentials for moto, set in this process only; real credentials in the environment are never read. */
export function useMotoCredentials(): void {
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  process.env.AWS_SESSION_TOKEN = 'testing';
  delete process.env.AWS_PROFILE;
}

/** Account moto answers as. */
export const MOTO_ACCOUNT = '123456789012';
