import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/**
 * Replaces what lies between `<!-- NAME:begin -->` and `<!-- NAME:end -->` in `doc` with a stamp line and `body`,
 * so a benchmark's tables in the docs are always its latest output. A missing file or marker changes nothing.
 */
export function writeDocSection(doc: string, name: string, stamp: string, body: string): void {
  if (!existsSync(doc)) return;
  const text = readFileSync(doc, 'utf8');
  const begin = `<!-- ${name}:begin -->`;
  const i = text.indexOf(begin);
  const j = text.indexOf(`<!-- ${name}:end -->`);
  if (i < 0 || j <= i) return;
  writeFileSync(doc, `${text.slice(0, i + begin.length)}\n${stamp}\n\n${body}\n${text.slice(j)}`);
}
