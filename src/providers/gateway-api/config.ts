import * as z from 'zod';
import { dnsLabel } from '../../spec/common.js';
import { kubeConnection } from '../kubernetes/config.js';

/** A header that sends a request to the canary whatever the weight (for testers and synthetic checks). */
export const canaryHeader = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, { error: 'expected an HTTP header name' }),
  value: z.string().min(1),
});

const parentRef = z.strictObject({
  group: z.string().optional(),
  kind: z.string().optional(),
  name: z.string().min(1),
  namespace: z.string().optional(),
  sectionName: z.string().optional(),
  port: z.int().min(1).max(65535).optional(),
});

/**
 * The `gateway-api` router: weighted `backendRefs` in one rule of an HTTPRoute. Chimera owns one rule — the one
 * named `ruleName`, else the one whose backends are `service` (the apex Service) or the version Services it put
 * there — and leaves every other rule, match and filter as written. Works for Gateway parents and for mesh
 * (GAMMA) parents, `parentRefs: [{ kind: Service, group: "", name: <apex> }]`.
 */
export const gatewayApiRouterConfig = z.strictObject({
  kind: z.literal('gateway-api'),
  ...kubeConnection,
  /** The HTTPRoute; default: the service name. Created with `parentRefs` when it does not exist. */
  route: dnsLabel.optional(),
  /** The apex Service the owned rule sends to before the first rollout; default: the service name. */
  service: dnsLabel.optional(),
  /** Name of the rule Chimera owns (HTTPRoute rule `name`). */
  ruleName: z.string().min(1).optional(),
  /** Parents of a route Chimera creates; ignored when the route exists. */
  parentRefs: z.array(parentRef).min(1).optional(),
  hostnames: z.array(z.string().min(1)).optional(),
  canaryHeader: canaryHeader.optional(),
});

export type GatewayApiRouterConfig = z.output<typeof gatewayApiRouterConfig>;
