import type { Platform } from '../../ports/platform.js';
import type { ProviderContext } from '../context.js';
import type { KubernetesPlatformConfig } from './config.js';

/**
 * The `kubernetes` platform.
 *
 * Model (chosen over Flagger's primary/canary pair because it maps one-to-one onto versions, so adoption after a
 * restart and `list` need no bookkeeping): the user's Deployment is a template; version V runs as Deployment and
 * Service `<deployment>-<V>` (V made DNS-safe), pods labelled `chimera.dev/service`, `chimera.dev/version` and
 * `app.kubernetes.io/version`. `remove` deletes the version's Service and HPA and scales its Deployment to zero
 * (the two most recent retired ones are kept for a fast manual rollback); `promote` scales the template to zero.
 * An HPA that targets the template is copied for every version.
 *
 * `VersionStatus.refs` keys: `namespace`, `service` (the version's Service name), `deployment`, `port` (the
 * Service port) and `versionLabel` (the value of the pods' `chimera.dev/version` label, used by Istio subsets).
 */
export const kind = 'kubernetes';

export async function createPlatform(config: KubernetesPlatformConfig, ctx: ProviderContext): Promise<Platform> {
  const { connect } = await import('../../kubernetes/connect.js');
  const { KubernetesPlatform } = await import('./platform.js');
  return new KubernetesPlatform(await connect(config), config, ctx);
}
