import type { ApproveOptions } from '../cli/commands/approve.js';
import { cliActor, openLocal } from '../cli/local.js';
import { remoteFrom } from '../cli/remote/client.js';
import type { RolloutState } from '../core/rollout.js';

const print = (s: string): boolean => process.stdout.write(s + '\n');

/** The `chimera approve` action: through the server with --server, else through the local store. */
export async function approveCommand(service: string, opts: ApproveOptions): Promise<void> {
  const approved = opts.reject !== true;
  let state: RolloutState;
  const remote = remoteFrom(opts);
  if (remote) {
    state = await remote.post<RolloutState>(`/api/v1/services/${encodeURIComponent(service)}/approval`, { approved });
  } else {
    const local = await openLocal(opts.dataDir);
    try {
      state = await local.controller.approve(service, cliActor(), approved);
    } finally {
      await local.close();
    }
  }
  if (opts.json) print(JSON.stringify({ id: state.id, service: state.service, gate: state.gate, approved }, null, 2));
  else
    print(
      `${service}: ${approved ? 'approved' : 'rejected'} the ${state.gate?.point ?? ''} gate of rollout ${state.id}`,
    );
}
