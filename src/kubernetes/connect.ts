import { KubeClient } from './client.js';
import { loadConnection } from './kubeconfig.js';

/** Where the Kubernetes credentials come from; shared by every Kubernetes provider's config. */
export interface ConnectOptions {
  /** Path of a kubeconfig file; default: $KUBECONFIG, the in-cluster service account, or ~/.kube/config. */
  kubeconfig?: string | undefined;
  /** Context in the kubeconfig; default: its current context. */
  context?: string | undefined;
}

/** A client for the configured cluster; a bad kubeconfig is a ConfigError. */
export async function connect(options: ConnectOptions): Promise<KubeClient> {
  return Promise.resolve(new KubeClient(loadConnection(options.kubeconfig, options.context)));
}
