/** Message helpers shared by the spec loader and the provider registry. */

/** "unknown platform kind 'dockr'; valid kinds: local" — or "missing platform kind; …" when there is none. */
export function unknownKindMessage(label: string, kind: unknown, valid: readonly string[]): string {
  const list = `valid kinds: ${[...valid].sort().join(', ')}`;
  if (kind === undefined || kind === null || kind === '') return `missing ${label} kind; ${list}`;
  const text = typeof kind === 'string' ? kind : (JSON.stringify(kind) ?? typeof kind);
  const suggestion = closest(text, valid);
  const hint = suggestion ? ` (did you mean '${suggestion}'?)` : '';
  return `unknown ${label} kind '${text}'${hint}; ${list}`;
}

/** "unknown field 'stepWieght' (did you mean 'stepWeight'?)" */
export function unknownFieldMessage(key: string, known: readonly string[]): string {
  const suggestion = closest(key, known);
  return `unknown field '${key}'${suggestion ? ` (did you mean '${suggestion}'?)` : ''}`;
}

/**
 * The known word nearest to `word`, when close enough to be a typo: edit distance at most 1 for short words,
 * 2 up to 8 characters, 3 beyond. Case differences cost nothing extra (`StepWeight` → `stepWeight`).
 */
export function closest(word: string, known: readonly string[]): string | undefined {
  const budget = word.length <= 3 ? 1 : word.length <= 8 ? 2 : 3;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= budget && best !== word ? best : undefined;
}

/** Damerau–Levenshtein (optimal string alignment): a swapped pair of letters is one edit, as typos usually are. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  const at = (i: number, j: number): number => d[i * cols + j]!;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, at(i - 2, j - 2) + 1);
      d[i * cols + j] = v;
    }
  }
  return at(rows - 1, cols - 1);
}
