/**
 * A version with several instances needs several HAProxy servers. HAProxy cannot add servers to a backend at run time
 * in every version, so the user declares slots: one server named `stable` (one instance) or a `server-template
 * stable 1-8 …` (servers `stable1` … `stable8`), and the same for the canary. Chimera points as many slots as the
 * version has endpoints and keeps the others in maintenance.
 */
export interface Slot {
  name: string;
  /** Position among the role's slots (the template's number; 0 for a plain `stable` server). */
  index: number;
  addr: string;
  port: number;
  /** Out of rotation (maintenance, set by the config, the CLI or DNS resolution). */
  maint: boolean;
  /** The weight HAProxy balances with (`srv_uweight`). */
  weight: number;
}

// srv_admin_state bits that keep a server out of rotation (HAProxy's SRV_ADMF_MAINT): forced, inherited and
// resolution maintenance. The config bit (0x04, `disabled`) stays set after `state ready` and means nothing alone.
const MAINT_BITS = 0x01 | 0x02 | 0x20;

/** Most slots of one role a split can use: HAProxy weights are integers 0–256. */
export const MAX_SLOTS = 64;

/**
 * Parses `show servers state <backend>` (format version 1: `be_id be_name srv_id srv_name srv_addr srv_op_state
 * srv_admin_state srv_uweight srv_iweight … srv_port …`) into the slots named `<prefix>` or `<prefix><number>`.
 */
export function parseSlots(answer: string, prefix: string): Slot[] {
  const header = answer.split('\n').find((l) => l.startsWith('# be_id'));
  const columns = header ? header.slice(2).trim().split(/\s+/) : [];
  const col = (name: string, fallback: number) => (columns.includes(name) ? columns.indexOf(name) : fallback);
  const [nameAt, addrAt, adminAt, weightAt, portAt] = [
    col('srv_name', 3),
    col('srv_addr', 4),
    col('srv_admin_state', 6),
    col('srv_uweight', 7),
    col('srv_port', 18),
  ];
  const slots: Slot[] = [];
  const own = new RegExp(`^${prefix.replace(/[.]/g, '\\.')}(\\d*)$`);
  for (const line of answer.split('\n')) {
    if (!/^\d+ /.test(line)) continue;
    const f = line.trim().split(/\s+/);
    const m = own.exec(f[nameAt] ?? '');
    if (!m) continue;
    slots.push({
      name: f[nameAt]!,
      index: m[1] ? Number(m[1]) : 0,
      addr: f[addrAt] ?? '',
      port: Number(f[portAt] ?? 0),
      maint: (Number(f[adminAt] ?? 0) & MAINT_BITS) !== 0,
      weight: Number(f[weightAt] ?? 0),
    });
  }
  return slots.sort((a, b) => a.index - b.index);
}

/**
 * Per-server weights (integers 1–256, HAProxy's range) giving the canary's `count.canary` servers `share` percent of
 * traffic and the stable's `count.stable` servers the rest: the pair closest to the asked split, so the share a
 * person asked for is what HAProxy applies.
 */
export function splitWeights(
  share: number,
  count: { stable: number; canary: number },
): { stable: number; canary: number } {
  if (count.canary <= 0 || share <= 0) return { stable: count.stable > 0 ? 100 : 0, canary: 0 };
  if (count.stable <= 0 || share >= 100) return { stable: 0, canary: 100 };
  let best = { stable: 0, canary: 0, error: Infinity };
  for (let canary = 1; canary <= 256; canary++) {
    const exact = (canary * count.canary * (100 - share)) / (share * count.stable);
    const stable = Math.min(256, Math.max(1, Math.round(exact)));
    const got = (100 * canary * count.canary) / (canary * count.canary + stable * count.stable);
    const error = Math.abs(got - share);
    // Ties go to the larger weights: HAProxy's weighted round robin interleaves finer with them, and a change of
    // weights settles sooner (a fresh 1-against-3 split first lets a round sized by the old weights finish).
    if (error <= best.error + 1e-9) best = { stable, canary, error };
  }
  return { stable: best.stable, canary: best.canary };
}

/** The canary's share of traffic, in percent with two decimals, from the servers in rotation. */
export function canaryShare(stable: Slot[], canary: Slot[]): { canary: number; total: number } {
  const sum = (slots: Slot[]) => slots.filter((s) => !s.maint).reduce((n, s) => n + s.weight, 0);
  const c = sum(canary);
  return { canary: c, total: sum(stable) + c };
}
