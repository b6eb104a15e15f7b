import { z } from 'zod';
import type { RouteRole } from '../auth/roles.js';
import type { RouteInfo } from './context.js';
import { LEADER_ONLY } from './leader-only.js';
import { commandBody, loginBody, specBody, startBody, tokenBody } from './schemas.js';

interface Endpoint {
  method: 'get' | 'post' | 'delete';
  path: string;
  role: RouteRole;
  summary: string;
  body?: z.ZodType;
  query?: string[];
  /** Success status and what it returns. */
  ok: [number, string];
}

/** Every endpoint, as documented. A test checks this list and the registered routes agree. */
export const ENDPOINTS: Endpoint[] = [
  { method: 'get', path: '/healthz', role: 'public', summary: 'Liveness probe', ok: [200, 'alive'] },
  { method: 'get', path: '/readyz', role: 'public', summary: 'Readiness probe (503 until ready)', ok: [200, 'ready'] },
  { method: 'get', path: '/metrics', role: 'viewer', summary: 'Prometheus metrics', ok: [200, 'text exposition'] },
  { method: 'get', path: '/openapi.json', role: 'public', summary: 'This document', ok: [200, 'OpenAPI 3.1'] },
  {
    method: 'post',
    path: '/api/v1/auth/login',
    role: 'public',
    summary: 'Exchange a token for a session cookie (failed attempts are rate-limited: 429)',
    body: loginBody,
    ok: [200, 'name, role and the CSRF token to send as x-csrf-token'],
  },
  { method: 'post', path: '/api/v1/auth/logout', role: 'public', summary: 'End the session', ok: [200, 'ok'] },
  { method: 'get', path: '/api/v1/auth/me', role: 'viewer', summary: 'Who is calling', ok: [200, 'name and role'] },
  {
    method: 'get',
    path: '/api/v1/services',
    role: 'viewer',
    summary: 'Services and their latest rollout',
    ok: [200, 'services'],
  },
  { method: 'get', path: '/api/v1/services/{name}', role: 'viewer', summary: 'One service', ok: [200, 'service'] },
  {
    method: 'post',
    path: '/api/v1/services/{name}/commands',
    role: 'operator',
    summary: "Command the service's rollout in flight",
    body: commandBody,
    ok: [202, 'rollout state'],
  },
  {
    method: 'get',
    path: '/api/v1/specs/{name}',
    role: 'operator',
    summary: "A service's registered spec",
    ok: [200, 'spec'],
  },
  {
    method: 'post',
    path: '/api/v1/specs/validate',
    role: 'operator',
    summary: 'Validate spec YAML; problems come back with line:column',
    body: specBody,
    ok: [200, 'valid, services, issues'],
  },
  {
    method: 'post',
    path: '/api/v1/specs',
    role: 'admin',
    summary: 'Register spec YAML',
    body: specBody,
    ok: [201, 'services'],
  },
  {
    method: 'get',
    path: '/api/v1/rollouts',
    role: 'viewer',
    summary: 'Rollouts, newest first',
    query: ['service', 'phase', 'limit'],
    ok: [200, 'rollouts'],
  },
  {
    method: 'post',
    path: '/api/v1/rollouts',
    role: 'operator',
    summary: 'Start a rollout of a registered service (sending `yaml` too needs admin)',
    body: startBody,
    ok: [201, 'rollout state'],
  },
  { method: 'get', path: '/api/v1/rollouts/{id}', role: 'viewer', summary: 'One rollout', ok: [200, 'rollout state'] },
  {
    method: 'get',
    path: '/api/v1/rollouts/{id}/events',
    role: 'viewer',
    summary: 'Its event log (every decision with reason and evidence)',
    query: ['after'],
    ok: [200, 'events'],
  },
  {
    method: 'get',
    path: '/api/v1/rollouts/{id}/metrics',
    role: 'viewer',
    summary: 'Live chart points (the last 900), stored: the same on every replica and after a restart',
    ok: [200, 'points'],
  },
  {
    method: 'post',
    path: '/api/v1/rollouts/{id}/commands',
    role: 'operator',
    summary: 'pause, resume, promote, abort or skip-analysis',
    body: commandBody,
    ok: [202, 'rollout state'],
  },
  {
    method: 'get',
    path: '/api/v1/stream',
    role: 'viewer',
    summary: 'Server-sent events: state, log, metrics (Last-Event-ID resume; reset when impossible)',
    query: ['service', 'rollout', 'types', 'lastEventId'],
    ok: [200, 'text/event-stream'],
  },
  {
    method: 'post',
    path: '/api/v1/rollouts/{id}/approval',
    role: 'operator',
    summary: 'Answer the manual-approval gate the rollout waits at ({ approved: true|false }; 409 when none)',
    ok: [200, 'rollout state'],
  },
  {
    method: 'post',
    path: '/api/v1/services/{name}/approval',
    role: 'operator',
    summary: "Answer the approval gate of the service's rollout in flight",
    ok: [200, 'rollout state'],
  },
  {
    method: 'post',
    path: '/api/v1/triggers/{name}',
    role: 'public',
    summary: 'Deploy webhook or registry push: starts a rollout (authenticated by its HMAC signature, not a token)',
    ok: [202, 'rollout state'],
  },
  {
    method: 'get',
    path: '/api/v1/tokens',
    role: 'admin',
    summary: 'API tokens (never the secrets)',
    ok: [200, 'tokens'],
  },
  {
    method: 'post',
    path: '/api/v1/tokens',
    role: 'admin',
    summary: 'Create a token; the secret is returned this once',
    body: tokenBody,
    ok: [201, 'token'],
  },
  {
    method: 'delete',
    path: '/api/v1/tokens/{id}',
    role: 'admin',
    summary: 'Revoke a token',
    ok: [200, 'token record'],
  },
];

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

/**
 * The OpenAPI 3.1 document: paths from ENDPOINTS (request bodies generated from the zod schemas), plus the routes
 * other modules registered with a `summary` in their route config.
 */
export function openApiDocument(routes: RouteInfo[] = []): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const known = new Set(ENDPOINTS.map((e) => `${e.method} ${e.path}`));
  const extra: Endpoint[] = routes.flatMap((r) => {
    const method = r.method.toLowerCase() as Endpoint['method'];
    const path = r.url.replace(/:(\w+)/g, '{$1}');
    if (!r.summary || !r.role || known.has(`${method} ${path}`)) return [];
    return [{ method, path, role: r.role, summary: r.summary, ok: [200, 'see summary'] as [number, string] }];
  });
  for (const e of [...ENDPOINTS, ...extra]) {
    const params = [...e.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    const query = (e.query ?? []).map((name) => ({ name, in: 'query', required: false, schema: { type: 'string' } }));
    (paths[e.path] ??= {})[e.method] = {
      summary: e.summary,
      'x-chimera-role': e.role,
      ...(e.role === 'public' ? { security: [] } : {}),
      ...(params.length + query.length > 0 ? { parameters: [...params, ...query] } : {}),
      ...(e.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: z.toJSONSchema(e.body) } } } }
        : {}),
      responses: {
        [String(e.ok[0])]: { description: e.ok[1] },
        '400': errorResponse('bad input (CONFIG_INVALID), with issues'),
        ...(e.role === 'public'
          ? {}
          : { '401': errorResponse('not authenticated'), '403': errorResponse('wrong role') }),
        ...(LEADER_ONLY.some((l) => l.method === e.method && l.path === e.path)
          ? {
              '503': errorResponse(
                'NOT_LEADER: this replica follows (leader election); `leader` names the one to send it to; Retry-After',
              ),
            }
          : {}),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Chimera server API', version: '1' },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'chimera token create --role viewer|operator|admin' },
        session: { type: 'apiKey', in: 'cookie', name: 'chimera_session', description: 'plus x-csrf-token on changes' },
      },
      schemas: {
        Error: {
          type: 'object',
          properties: {
            error: {
              type: 'object',
              properties: { code: { type: 'string' }, message: { type: 'string' }, issues: { type: 'array' } },
              required: ['code', 'message'],
            },
          },
        },
      },
    },
    security: [{ bearer: [] }, { session: [] }],
    paths,
  };
}
