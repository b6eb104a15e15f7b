import { rateShownBelow, rateUpper } from './math.js';

// Entries of the bound cache (a power of two: 2^12).
const CACHE_SIZE = 4096;
const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);

/**
 * {@link rateUpper} and {@link rateShownBelow}, remembered for recent arguments: each costs tens of logarithms per
 * batch, and interleaved streams often reach the same counts (the same answers, looked up). Shared by all analyzers.
 */
class BoundCache {
  private readonly upperKey = new Float64Array(CACHE_SIZE * 3).fill(-1);
  private readonly upperValue = new Float64Array(CACHE_SIZE);
  private readonly belowKey = new Float64Array(CACHE_SIZE * 4).fill(-1);
  private readonly belowValue = new Uint8Array(CACHE_SIZE);

  upper(x: number, n: number, alpha: number): number {
    const h = slot(x, n, 0);
    const k = this.upperKey;
    if (k[3 * h] === x && k[3 * h + 1] === n && k[3 * h + 2] === alpha) return this.upperValue[h]!;
    const v = rateUpper(x, n, alpha);
    k[3 * h] = x;
    k[3 * h + 1] = n;
    k[3 * h + 2] = alpha;
    this.upperValue[h] = v;
    return v;
  }

  shownBelow(x: number, n: number, limit: number, alpha: number): boolean {
    bits[0] = limit;
    const h = slot(x, n, words[0]! ^ words[1]!);
    const k = this.belowKey;
    // Object.is: the bound for -0 and 0 may differ in principle; NaN never equals itself, so is never cached.
    if (k[4 * h] === x && k[4 * h + 1] === n && Object.is(k[4 * h + 2], limit) && k[4 * h + 3] === alpha) {
      return this.belowValue[h] === 1;
    }
    const v = rateShownBelow(x, n, limit, alpha);
    k[4 * h] = x;
    k[4 * h + 1] = n;
    k[4 * h + 2] = limit;
    k[4 * h + 3] = alpha;
    this.belowValue[h] = v ? 1 : 0;
    return v;
  }
}

export const bounds = new BoundCache();

function slot(x: number, n: number, extra: number): number {
  return Math.imul((x | 0) ^ Math.imul(n | 0, 0x85ebca6b) ^ extra, 0x9e3779b1) >>> 20;
}
