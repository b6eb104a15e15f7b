import { isAlias, isMap, isScalar, isSeq } from 'yaml';
import type { Document, LineCounter, Node } from 'yaml';

/** 1-based line and column. */
export interface Position {
  line: number;
  column: number;
}

function start(node: { range?: readonly number[] | null } | null | undefined): number | undefined {
  return node?.range?.[0];
}

function keyName(key: unknown): string | undefined {
  // Keys are scalars in every spec; a complex key (`? [a, b]`) simply never matches a path segment.
  return isScalar(key) ? String(key.value) : undefined;
}

/**
 * Where the node at `path` starts in the source. With `atKey`, the position of the last key instead of its value
 * (an unknown field). When the path leads past what exists (a missing field), the nearest existing key: for a
 * missing `spec.platform.command` that is the `platform:` key, which is where the user has to add it.
 */
export function locate(
  doc: Document,
  path: readonly PropertyKey[],
  lineCounter: LineCounter,
  atKey = false,
): Position | undefined {
  let node: unknown = doc.contents;
  let best = start(doc.contents);
  let lastKey: number | undefined;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => keyName(p.key) === String(seg));
      if (!pair) {
        best = lastKey ?? best;
        break;
      }
      const keyStart = start(pair.key as Node | null);
      if (keyStart !== undefined) best = lastKey = keyStart;
      if (atKey && i === path.length - 1) break;
      node = pair.value;
      // `platform:` with nothing after it has a null value node (or one with an empty range): keep the key.
      const valueStart = start(node as Node | null);
      if (valueStart === undefined || (isScalar(node) && node.value === null)) break;
      best = valueStart;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item: unknown = node.items[seg];
      const itemStart = start(item as Node | null);
      if (itemStart === undefined) break;
      best = itemStart;
      node = item;
    } else {
      break;
    }
  }
  if (best === undefined) return undefined;
  const { line, col } = lineCounter.linePos(best);
  return { line, column: col };
}
