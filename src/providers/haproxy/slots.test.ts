import { describe, expect, it } from 'vitest';
import { canaryShare, parseSlots, splitWeights } from './slots.js';

// Captured from HAProxy 2.6 (`show servers state web`) with `server-template canary 1-3 … disabled`, after canary2
// was set ready at weight 7.
const ANSWER = `1
# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port
3 web 4 stable 127.0.0.1 2 0 100 100 2 1 0 2 0 0 0 0 - 8001 - 0 0 - - 0
3 web 5 canary1 127.0.0.1 0 5 0 0 2 1 0 0 8 0 0 0 - 1 - 0 0 - - 0
3 web 6 canary2 127.0.0.1 2 4 7 0 0 1 0 0 8 0 0 0 - 9000 - 0 0 - - 0
3 web 7 canary3 127.0.0.1 0 5 0 0 2 1 0 0 8 0 0 0 - 1 - 0 0 - - 0
3 web 8 canary-admin 127.0.0.1 2 0 1 1 2 1 0 0 8 0 0 0 - 1 - 0 0 - - 0
`;

describe('HAProxy slots', () => {
  it('reads a plain server and template slots, in template order, and only names of the role', () => {
    expect(parseSlots(ANSWER, 'stable')).toEqual([
      { name: 'stable', index: 0, addr: '127.0.0.1', port: 8001, maint: false, weight: 100 },
    ]);
    const canary = parseSlots(ANSWER, 'canary');
    expect(canary.map((s) => s.name)).toEqual(['canary1', 'canary2', 'canary3']);
    // The config's `disabled` bit alone (admin state 4) does not keep a slot out once it was set ready.
    expect(canary.map((s) => s.maint)).toEqual([true, false, true]);
    expect(canary[1]).toMatchObject({ port: 9000, weight: 7 });
  });

  it('counts only servers in rotation in the canary share', () => {
    expect(canaryShare(parseSlots(ANSWER, 'stable'), parseSlots(ANSWER, 'canary'))).toEqual({ canary: 7, total: 107 });
  });

  it('gives every server of a role with a share a weight, and nothing to a role without one', () => {
    expect(splitWeights(25, { stable: 1, canary: 1 })).toEqual({ stable: 255, canary: 85 });
    expect(splitWeights(0, { stable: 3, canary: 2 })).toEqual({ stable: 100, canary: 0 });
    expect(splitWeights(100, { stable: 3, canary: 2 })).toEqual({ stable: 0, canary: 100 });
    expect(splitWeights(10, { stable: 2, canary: 0 })).toEqual({ stable: 100, canary: 0 });
    // Half a percent over two canary servers and one stable is below 1 against 256: the nearest split is used.
    expect(splitWeights(0.5, { stable: 1, canary: 2 })).toEqual({ stable: 256, canary: 1 });
    const w = splitWeights(1, { stable: 2, canary: 3 });
    expect(w.canary).toBeGreaterThanOrEqual(1);
    expect(w.stable).toBeLessThanOrEqual(256);
  });

  it('applies the nearest split HAProxy weights can express, within 0.05 points when 1–256 allow it', () => {
    const share = (s: number, c: number, ns: number, nc: number) => (100 * c * nc) / (c * nc + s * ns);
    for (let ns = 1; ns <= 6; ns++) {
      for (let nc = 1; nc <= 6; nc++) {
        for (const w of [0.5, 1, 5, 10, 25, 33.3, 50, 80, 99]) {
          const { stable, canary } = splitWeights(w, { stable: ns, canary: nc });
          expect(Math.min(stable, canary)).toBeGreaterThanOrEqual(1);
          expect(Math.max(stable, canary)).toBeLessThanOrEqual(256);
          let best = Infinity;
          for (let s = 1; s <= 256; s++) {
            for (let c = 1; c <= 256; c++) best = Math.min(best, Math.abs(share(s, c, ns, nc) - w));
          }
          const error = Math.abs(share(stable, canary, ns, nc) - w);
          expect(error, `w ${w}, ${ns} stable, ${nc} canary`).toBeLessThanOrEqual(best + 1e-9);
          if (best <= 0.01) expect(error).toBeLessThanOrEqual(0.05);
        }
      }
    }
  });
});
