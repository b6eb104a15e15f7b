import * as z from 'zod';
import { dnsLabel } from '../../spec/common.js';
import { canaryHeader } from '../gateway-api/config.js';
import { kubeConnection } from '../kubernetes/config.js';

/**
 * The `istio` router: a VirtualService route with weighted destinations to DestinationRule subsets (one per version,
 * `chimera-<version>`, selecting the pods' `chimera.dev/version` label). Chimera owns one HTTP route of the
 * VirtualService — named `routeName`, else the first whose destinations are all `host` — and only its own subsets in
 * the DestinationRule; every other route, match, retry policy, subset and traffic policy is kept.
 */
export const istioRouterConfig = z.strictObject({
  kind: z.literal('istio'),
  ...kubeConnection,
  /** The VirtualService; default: the service name. Created (for `hosts`/`gateways`) when missing. */
  virtualService: dnsLabel.optional(),
  /** The DestinationRule holding the subsets; default: the service name. Created when missing. */
  destinationRule: dnsLabel.optional(),
  /** Destination host (the apex Service, short or FQDN); default: the service name. */
  host: z.string().min(1).optional(),
  /** Name of the VirtualService HTTP route Chimera owns. */
  routeName: z.string().min(1).optional(),
  /** `hosts` and `gateways` of a VirtualService Chimera creates. */
  hosts: z.array(z.string().min(1)).optional(),
  gateways: z.array(z.string().min(1)).optional(),
  canaryHeader: canaryHeader.optional(),
});

export type IstioRouterConfig = z.output<typeof istioRouterConfig>;
