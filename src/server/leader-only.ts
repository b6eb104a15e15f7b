/**
 * Requests that start a rollout. Only the leader drives rollouts, so a follower answers them with 503 and the
 * leader's identity instead of starting a rollout nobody would drive. Commands and approvals need no guard: they
 * go through the store to whichever replica drives the rollout. Written as OpenAPI paths: the guard and the
 * OpenAPI document (its 503 answers) both read this list.
 */
export const LEADER_ONLY: ReadonlyArray<{ method: 'post'; path: string }> = [
  { method: 'post', path: '/api/v1/rollouts' },
  { method: 'post', path: '/api/v1/triggers/{name}' },
];
