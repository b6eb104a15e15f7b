import * as z from 'zod';
import { dnsLabel } from '../../spec/common.js';

/** Fields every Kubernetes provider (platform and routers) shares: where the cluster is. */
export const kubeConnection = {
  /** kubeconfig file; default $KUBECONFIG, ~/.kube/config, else the in-cluster service account. */
  kubeconfig: z.string().min(1).optional(),
  /** kubeconfig context; default its current one. */
  context: z.string().min(1).optional(),
  namespace: dnsLabel.default('default'),
};

/**
 * The `kubernetes` platform. The user's Deployment (`deployment`) is the template: each version runs as its own
 * Deployment `<deployment>-<version>` with a Service of the same name, beside the others.
 */
export const kubernetesPlatformConfig = z.strictObject({
  kind: z.literal('kubernetes'),
  ...kubeConnection,
  /** The Deployment whose pod template every version copies; default: the service name. */
  deployment: dnsLabel.optional(),
  /** Container whose image is set per version; default: the first container. */
  container: z.string().min(1).optional(),
  /**
   * Image of a version, `{version}` replaced, e.g. `ghcr.io/acme/shop:{version}`. Without it, the template's
   * pod template is copied unchanged (the watcher flow: the user edits the template Deployment).
   */
  image: z
    .string()
    .regex(/\{version\}/, { error: 'the image must contain {version}, e.g. registry/app:{version}' })
    .optional(),
  /** Replicas of a version when no HPA manages the template; default: the template's replicas (at least 1). */
  replicas: z.int().min(1).max(1000).optional(),
  /** Port the per-version Service exposes; default: the container's first port, else 80. */
  port: z.int().min(1).max(65535).optional(),
  /** Scale the template Deployment to zero after the first promotion, so only Chimera's versions run. */
  scaleDownTemplate: z.boolean().default(true),
});

export type KubernetesPlatformConfig = z.output<typeof kubernetesPlatformConfig>;
