import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import type { Document } from 'yaml';
import { ConfigError, errorMessage } from '../errors.js';
import type { ConfigIssue } from '../errors.js';
import { parseHostPort } from './common.js';
import { formatPath, safeParseWithIssues, valueAt } from './issues.js';
import type { PathIssue } from './issues.js';
import { locate } from './positions.js';
import { canarySpec } from './schema.js';
import type { CanarySpec } from './schema.js';

/** Largest spec file accepted. A spec is a few kilobytes; anything near this is a mistake or an attack. */
export const MAX_SPEC_BYTES = 1024 * 1024;

/** Problems reported with a position; beyond this a broken file gets a count, not a wall of text. */
export const MAX_ISSUES = 100;

/** One validated canary spec and where it came from. */
export interface LoadedSpec {
  spec: CanarySpec;
  /** The file it was read from, as given. */
  file?: string;
  /** Folder relative paths in the spec (`platform.cwd`) were resolved against. */
  dir: string;
}

/**
 * Reads and validates every `kind: Canary` document of a YAML file.
 * Throws `ConfigError` carrying every problem found, each with its path and line:column.
 *
 * @example const [{ spec }] = await loadSpecFile('chimera.yaml');
 */
export async function loadSpecFile(path: string): Promise<LoadedSpec[]> {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new ConfigError(`spec file ${path} is not a regular file`, [], path);
    size = info.size;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'not found' : `cannot be read (${errorMessage(err)})`;
    throw new ConfigError(`spec file ${path} ${why}`, [], path);
  }
  if (size > MAX_SPEC_BYTES) throw tooLarge(path, size);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`spec file ${path} cannot be read (${errorMessage(err)})`, [], path);
  }
  return parseSpec(text, path);
}

function tooLarge(file: string | undefined, bytes: number): ConfigError {
  return new ConfigError(
    `spec ${file ?? 'text'} is ${bytes} bytes; the limit is ${MAX_SPEC_BYTES} bytes (1 MiB)`,
    [],
    file,
  );
}

/**
 * Validates YAML text holding one or more `---`-separated Canary documents (one per service).
 * `dir` (default: the file's folder, else the working directory) anchors relative paths.
 */
export function parseSpec(text: string, file?: string, dir?: string): LoadedSpec[] {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_SPEC_BYTES) throw tooLarge(file, bytes);
  const baseDir = dir ?? (file ? dirname(resolve(file)) : process.cwd());
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  const issues: ConfigIssue[] = [];
  const specs: LoadedSpec[] = [];
  const names = new Map<string, number | undefined>();
  let unplaced = 0;
  // Addresses the built-in proxy binds: two services (or listen and admin of one) cannot share one.
  const addresses = new Map<string, { service: string; line: number | undefined }>();

  for (const doc of Array.isArray(documents) ? documents : [documents]) {
    if (doc.errors.length > 0) {
      // Validating a half-parsed document would only add noise; its syntax errors say what to fix.
      for (const error of doc.errors) {
        const { line, col } = lineCounter.linePos(error.pos[0]);
        issues.push({ path: '', line, column: col, message: error.message });
      }
      continue;
    }
    if (isEmpty(doc)) continue;
    const data = toPlain(doc, lineCounter, issues);
    if (data === undefined) continue;
    // Duplicates are checked on the raw name, so a second document with other problems still gets this one.
    const name = valueAt(data, ['metadata', 'name']);
    const duplicate = typeof name === 'string' && names.has(name);
    if (typeof name === 'string') {
      const here = placed({ path: ['metadata', 'name'], message: '' }, doc, lineCounter);
      if (duplicate) {
        const firstLine = names.get(name);
        const where = firstLine === undefined ? '' : ` (first at line ${firstLine})`;
        issues.push({ ...here, message: `duplicate service name '${name}'${where}` });
      } else {
        names.set(name, here.line);
      }
    }
    const result = safeParseWithIssues(canarySpec, data);
    if (!result.ok) {
      for (const issue of result.issues) {
        // Locating is a walk of the document; past the cap only count, so a huge broken file stays cheap.
        if (issues.length >= MAX_ISSUES) unplaced++;
        else issues.push(placed(issue, doc, lineCounter));
      }
      continue;
    }
    // A duplicate is already an error; its addresses would only repeat it.
    for (const field of duplicate ? [] : (['listen', 'admin'] as const)) {
      const address = boundAddress(result.value, field);
      if (address === undefined) continue;
      const here = placed({ path: ['spec', 'router', field], message: '' }, doc, lineCounter);
      const first = addresses.get(address);
      if (first) {
        const who = first.service === result.value.metadata.name ? 'this service' : `service '${first.service}'`;
        issues.push({ ...here, message: `address ${address} is already used by ${who} (line ${first.line})` });
      } else {
        addresses.set(address, { service: result.value.metadata.name, line: here.line });
      }
    }
    specs.push({ spec: resolvePaths(result.value, baseDir), file, dir: baseDir });
  }

  if (issues.length === 0 && specs.length === 0) {
    issues.push({ path: '', line: 1, column: 1, message: 'no Canary document found (the file is empty)' });
  }
  if (issues.length > 0) {
    issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
    if (unplaced > 0) issues.push({ path: '', message: `${unplaced} more problem(s) not shown` });
    const total = issues.length + unplaced - (unplaced > 0 ? 1 : 0);
    const count = total === 1 ? '1 problem' : `${total} problems`;
    throw new ConfigError(`${file ?? 'spec'}: ${count}`, issues, file);
  }
  return specs;
}

/**
 * Validates data that did not come from a YAML file (an API body, a stored spec). Issues carry paths but no
 * positions.
 */
export function validateSpec(data: unknown, source?: string): CanarySpec {
  const result = safeParseWithIssues(canarySpec, data);
  if (result.ok) return result.value;
  const issues = result.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
  const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
  throw new ConfigError(`${source ?? 'spec'}: ${count}`, issues, source);
}

function isEmpty(doc: Document): boolean {
  const contents = doc.contents as { value?: unknown; items?: unknown } | null;
  return (
    contents === null || (contents.items === undefined && (contents.value === null || contents.value === undefined))
  );
}

function toPlain(doc: Document, lineCounter: LineCounter, issues: ConfigIssue[]): unknown {
  try {
    // maxAliasCount bounds "billion laughs" alias expansion.
    return doc.toJS({ maxAliasCount: 100 }) as unknown;
  } catch (err) {
    const { line, col } = lineCounter.linePos(doc.range?.[0] ?? 0);
    issues.push({ path: '', line, column: col, message: errorMessage(err) });
    return undefined;
  }
}

function placed(issue: PathIssue, doc: Document, lineCounter: LineCounter): ConfigIssue {
  const pos = locate(doc, issue.path, lineCounter, issue.atKey);
  return { path: formatPath(issue.path), message: issue.message, line: pos?.line, column: pos?.column };
}

/** The `host:port` a spec's built-in proxy binds for `field`; undefined for other routers and for port 0. */
function boundAddress(spec: CanarySpec, field: 'listen' | 'admin'): string | undefined {
  const router = spec.spec.router;
  if (router.kind !== 'builtin-proxy') return undefined;
  const address = router[field];
  return parseHostPort(address)?.port === 0 ? undefined : address;
}

/** Makes relative paths in provider configs absolute, so providers never depend on the working directory. */
function resolvePaths(spec: CanarySpec, dir: string): CanarySpec {
  const platform = spec.spec.platform;
  if ('cwd' in platform && typeof platform.cwd === 'string' && !isAbsolute(platform.cwd)) {
    return { ...spec, spec: { ...spec.spec, platform: { ...platform, cwd: resolve(dir, platform.cwd) } } };
  }
  return spec;
}
