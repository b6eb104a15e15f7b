import type { FastifyInstance } from 'fastify';
import { roleAllows, type RouteRole } from '../../auth/index.js';
import { TERMINAL_PHASES, type GatePoint } from '../../core/rollout.js';
import { readRolloutSpec } from '../../controller/rollout-spec.js';
import type { LoadedSpec } from '../../spec/load.js';

/** What the dashboard needs to offer Approve / Reject on a rollout page. */
export interface ApprovalStatus {
  /** The rollout waits at a gate that has a manual-approval hook, so an answer is useful now. */
  waiting: boolean;
  /** The gate it waits at (absent when it waits at none). */
  point?: GatePoint;
  /** When it started waiting there (ms since the epoch). */
  since?: number;
  /** The manual-approval hooks of that gate, in spec order, with how long each waits for an answer. */
  hooks: Array<{ name: string; timeoutMs: number }>;
  /** The role answering needs (that of POST /api/v1/rollouts/:id/approval). */
  role: RouteRole;
  /** The caller has that role. */
  allowed: boolean;
}

const ANSWER_URL = '/api/v1/rollouts/:id/approval';

/**
 * `GET /api/v1/rollouts/:id/approval`: whether the rollout waits for a person's approval. A gate may hold only
 * HTTP or load-test hooks; an approval sent to such a gate would sit unread until a later gate at the same point, so
 * the dashboard offers the buttons only when this says `waiting`. The hooks come from the spec saved with the
 * rollout (the one it runs with), not the registered spec, which may have changed since.
 */
export function approvalStatusRoute(app: FastifyInstance): void {
  const { controller, store } = app.chimera;

  app.get<{ Params: { id: string } }>(
    '/api/v1/rollouts/:id/approval',
    {
      config: {
        role: 'viewer',
        summary: 'Whether the rollout waits for a manual approval, at which gate, and whether the caller may answer',
      },
    },
    async (req): Promise<ApprovalStatus> => {
      const state = await controller.get(req.params.id);
      // Read at request time: the approval routes are mounted after this one.
      const role = app.routeTable.find((r) => r.method === 'POST' && r.url === ANSWER_URL)?.role ?? 'operator';
      const allowed = req.principal !== undefined && roleAllows(req.principal.role, role);
      const gate = state.gate;
      const open =
        gate !== undefined &&
        gate.passed !== true &&
        state.phase !== 'paused' &&
        !TERMINAL_PHASES.includes(state.phase);
      if (!open) return { waiting: false, hooks: [], role, allowed };
      const hooks = approvalHooks(await readRolloutSpec(store, state.id), gate.point);
      return { waiting: hooks.length > 0, point: gate.point, since: gate.since, hooks, role, allowed };
    },
  );
}

function approvalHooks(loaded: LoadedSpec | undefined, point: GatePoint): ApprovalStatus['hooks'] {
  if (!loaded) return [];
  return (loaded.spec.spec.hooks ?? [])
    .filter((h) => h.kind === 'approval' && h.type === point)
    .map((h) => ({ name: h.name, timeoutMs: h.timeout }));
}
