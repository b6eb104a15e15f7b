import * as z from 'zod';
import { show } from './units.js';

/** Small schemas shared by the spec and the providers' config schemas. */

/** A version name: `v2`, `1.4.0`, `sha-3f2a1c`. Used in process names, container tags and metric labels. */
export const versionName = z
  .string({ error: (iss) => `expected a version name, got ${show(iss.input)}` })
  .regex(/^[A-Za-z0-9._-]{1,64}$/, { error: 'a version is 1–64 letters, digits, dots, dashes or underscores' });

/** A service name: a DNS label, so every platform can use it as-is. */
export const dnsLabel = z
  .string()
  .max(63, { error: 'a name is at most 63 characters' })
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, {
    error: 'a name is lowercase letters, digits and dashes, starting and ending with a letter or digit',
  });

/** An environment variable name. */
export const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'an environment variable name is letters, digits and underscores' });

/**
 * Environment variables. YAML turns `PORT_OFFSET: 5` into a number and `DEBUG: true` into a boolean; the process
 * sees strings either way, so scalars are accepted and turned into strings rather than rejected.
 */
export const envMap = z.record(
  envName,
  z.union([z.string(), z.number(), z.boolean()], { error: 'an environment value is a string' }).transform(String),
);

/** One of a fixed set of words, with a message listing them. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: (iss) => `expected one of ${values.join(', ')}, got ${show(iss.input)}` });
}

/** An HTTP path such as `/healthz`. */
export const urlPath = z.string().regex(/^\/[^\s]*$/, { error: 'expected a path starting with /, like /healthz' });

/** An absolute http(s) URL. */
export const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' });

/** A `host:port` address split into its parts; IPv6 hosts are written in brackets (`[::1]:8080`). */
export function parseHostPort(address: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(address);
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port > 65535) return undefined;
  return { host: (match[1] ?? match[2])!, port };
}

/** A `host:port` listen or connect address; port 0 asks the system for a free port. Kept as the string. */
export const hostPort = z.string().refine((value) => parseHostPort(value) !== undefined, {
  error: (iss) => `expected host:port with a port from 0 to 65535, like 127.0.0.1:8080, got ${show(iss.input)}`,
});
