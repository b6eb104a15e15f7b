/** Numbers as a person reads them in a one-line reason. */

/** A fraction as a percentage with sensible precision: 0.041 → "4.1%", 0.00123 → "0.12%", 0 → "0%". */
export function pct(x: number): string {
  if (!Number.isFinite(x)) return 'n/a';
  const p = x * 100;
  if (p === 0) return '0%';
  // Arithmetic rounding and String(): this runs several times per decision, regexes and toFixed cost more.
  if (p >= 10) return `${Math.round(p * 10) / 10}%`;
  if (p >= 1) return `${Math.round(p * 100) / 100}%`;
  return `${Number(p.toPrecision(2))}%`;
}

/** An e-value or ratio: 3.2, 212, 1.5e+6; "∞" when unbounded. */
export function num(x: number): string {
  if (x === Infinity) return '∞';
  if (!Number.isFinite(x)) return 'n/a';
  if (x >= 1e5) return x.toExponential(1);
  if (x >= 100) return String(Math.round(x));
  if (x >= 10) return String(Math.round(x * 10) / 10);
  return String(Number(x.toPrecision(2)));
}

/** A number rounded for evidence (4 significant digits), keeping JSON small and stable. */
export function round(x: number): number {
  if (x === 0 || !Number.isFinite(x) || Number.isInteger(x)) return x;
  // Arithmetic rather than toPrecision: this runs for every number of every decision.
  const m = 10 ** (3 - Math.floor(Math.log10(Math.abs(x))));
  return Math.round(x * m) / m;
}

/** An e-value from its logarithm, bounded so JSON never sees Infinity. */
export function eValue(logE: number): number {
  return round(Math.exp(Math.min(logE, 700)));
}

/** "41/1000 = 4.1%" */
export function rate(events: number, n: number): string {
  return `${events}/${n} = ${pct(n > 0 ? events / n : 0)}`;
}
