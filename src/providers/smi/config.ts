import * as z from 'zod';
import { dnsLabel } from '../../spec/common.js';
import { kubeConnection } from '../kubernetes/config.js';

/**
 * The `smi` router: an SMI TrafficSplit (`split.smi-spec.io/v1alpha4`) on the apex Service, weighted between the
 * version Services. Chimera owns the split's `backends`; its `matches` and metadata are kept. SMI has no per-request
 * header routing within one split, so there is no `canaryHeader` here.
 */
export const smiRouterConfig = z.strictObject({
  kind: z.literal('smi'),
  ...kubeConnection,
  /** The TrafficSplit; default: the service name. Created when missing. */
  trafficSplit: dnsLabel.optional(),
  /** The apex Service clients call; default: the service name. */
  service: dnsLabel.optional(),
});

export type SmiRouterConfig = z.output<typeof smiRouterConfig>;
