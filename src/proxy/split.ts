/**
 * Chooses stable or canary for each request so that the canary's share follows the weight exactly in the long
 * run, without a fixed period a client's request pattern could lock onto.
 *
 * Method ("dithered interleave"): a credit `acc` grows by p = weight/100 per request; the request goes to the
 * canary with probability clamp(acc, 0, 1), and a canary pick costs one credit. By induction `acc` stays in
 * (-1, 1), so after n requests the canary count differs from n·p by less than one request — for any seed. The
 * random part only breaks strict alternation (at 50 % a client alternating two URLs would otherwise always send
 * one of them to the canary). The numbers analysis uses are the MEASURED per-version counts, not the weight.
 */
export class WeightedSplit {
  private p = 0;
  private acc = 0;
  private state: number;

  constructor(canaryWeight = 0, seed = 0x9e3779b9) {
    this.state = seed >>> 0 || 1;
    this.setWeight(canaryWeight);
  }

  /** Percent 0–100 (decimals allowed). Keeps the accumulated credit so a change does not restart the pattern. */
  setWeight(canaryWeight: number): void {
    this.p = Math.min(100, Math.max(0, canaryWeight)) / 100;
  }

  /** True when this request goes to the canary. */
  pickCanary(): boolean {
    const p = this.p;
    if (p === 0) return false;
    if (p === 1) return true;
    const acc = this.acc + p;
    let canary: boolean;
    if (acc >= 1) canary = true;
    else if (acc <= 0) canary = false;
    else canary = this.random() < acc;
    this.acc = canary ? acc - 1 : acc;
    return canary;
  }

  /** xorshift32: tiny, fast, seedable; statistical quality is irrelevant here (see the class comment). */
  private random(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state / 4294967296;
  }
}
