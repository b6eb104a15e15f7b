import type * as z from 'zod';
import type { ConfigIssue } from '../errors.js';
import { unknownFieldMessage, unknownKindMessage } from './messages.js';
import { show } from './units.js';

/** A spec problem before it has a place in a file: the path as segments, so the loader can find its YAML node. */
export interface PathIssue {
  path: PropertyKey[];
  message: string;
  /** The issue names a key (an unknown field), so point at the key rather than its value. */
  atKey?: boolean;
}

/** `['spec', 'strategy', 'steps', 2]` → `spec.strategy.steps[2]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

export function toConfigIssue(issue: PathIssue): ConfigIssue {
  return { path: formatPath(issue.path), message: issue.message };
}

function pathKey(path: readonly PropertyKey[]): string {
  return JSON.stringify(path.map((seg) => (typeof seg === 'symbol' ? String(seg) : seg)));
}

/**
 * Runs a zod schema and turns its issues into one readable `PathIssue` each: an unknown key becomes one issue
 * per key with a "did you mean" suggestion, an unknown `kind` lists the valid kinds, a missing field says so.
 * Zod's own messages are kept where they are already clear (ranges, formats our schemas phrase themselves).
 */
export function safeParseWithIssues<S extends z.ZodType>(
  schema: S,
  data: unknown,
): { ok: true; value: z.output<S> } | { ok: false; issues: PathIssue[] } {
  // Zod's final issue for unknown keys does not say which keys were allowed; the raw one carries the object
  // schema, so note its keys while parsing.
  const knownKeys = new Map<string, string[]>();
  const result = schema.safeParse(data, {
    error: (iss) => {
      if (iss.code === 'unrecognized_keys') {
        const shape = (iss.inst as { _zod?: { def?: { shape?: object } } } | undefined)?._zod?.def?.shape;
        knownKeys.set(pathKey(iss.path ?? []), shape ? Object.keys(shape) : []);
        return undefined;
      }
      if (iss.input === undefined && (iss.code === 'invalid_type' || iss.code === 'invalid_value')) {
        return missing(iss.path);
      }
      if (iss.code === 'invalid_type') {
        const expected = iss.expected === 'int' ? 'an integer' : iss.expected;
        return `expected ${expected}, got ${describe(iss.input)}`;
      }
      if (iss.code === 'too_small' || iss.code === 'too_big') return rangeMessage(iss);
      if (iss.code === 'invalid_value') {
        const values = iss.values.map((v) => show(v));
        return values.length === 1 ? `expected ${values[0]}, got ${show(iss.input)}` : undefined;
      }
      return undefined;
    },
  });
  if (result.success) return { ok: true, value: result.data };
  const issues: PathIssue[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys.get(pathKey(issue.path)) ?? [];
      for (const key of issue.keys) {
        issues.push({ path: [...issue.path, key], message: unknownFieldMessage(key, known), atKey: true });
      }
    } else if (issue.code === 'invalid_union' && 'discriminator' in issue && 'options' in issue) {
      const kindPath = issue.path;
      const label = String(kindPath[kindPath.length - 2] ?? 'provider');
      const kind = valueAt(data, kindPath);
      const options = (issue.options as unknown[]).map(String);
      issues.push({ path: kindPath, message: unknownKindMessage(label, kind, options) });
    } else {
      issues.push({ path: issue.path, message: issue.message });
    }
  }
  return { ok: false, issues };
}

interface RangeIssue {
  code: 'too_small' | 'too_big';
  origin: string;
  minimum?: unknown;
  maximum?: unknown;
  inclusive?: boolean;
  input?: unknown;
}

/** "must be at most 20, got 25", "must have at least 1 item". */
function rangeMessage(iss: RangeIssue): string {
  const small = iss.code === 'too_small';
  const limit = Number(small ? iss.minimum : iss.maximum);
  const inclusive = iss.inclusive !== false;
  const word = small ? (inclusive ? 'at least' : 'greater than') : inclusive ? 'at most' : 'less than';
  if (iss.origin === 'array' || iss.origin === 'set') return `must have ${word} ${limit} item${limit === 1 ? '' : 's'}`;
  if (iss.origin === 'string') return `must be ${word} ${limit} character${limit === 1 ? '' : 's'} long`;
  return `must be ${word} ${limit}, got ${show(iss.input)}`;
}

function missing(path: readonly PropertyKey[] | undefined): string {
  const last = path?.[path.length - 1];
  return typeof last === 'string' ? `missing required field '${last}'` : 'missing required value';
}

function describe(value: unknown): string {
  if (value === null) return 'null (an empty value)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return `${typeof value} ${show(value)}`;
}

/** The value at `path` in plain parsed data, or undefined. */
export function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let node = data;
  for (const seg of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[seg];
  }
  return node;
}
