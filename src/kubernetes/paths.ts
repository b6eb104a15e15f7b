/** A Kubernetes resource type, as the REST paths need it. */
export interface ResourceType {
  /** API group; `''` for the core group (`/api/v1`). */
  group: string;
  version: string;
  /** Lower-case plural, e.g. `deployments`. */
  plural: string;
}

export const DEPLOYMENTS: ResourceType = { group: 'apps', version: 'v1', plural: 'deployments' };
export const SERVICES: ResourceType = { group: '', version: 'v1', plural: 'services' };
export const CONFIG_MAPS: ResourceType = { group: '', version: 'v1', plural: 'configmaps' };
export const SECRETS: ResourceType = { group: '', version: 'v1', plural: 'secrets' };
export const HPAS: ResourceType = { group: 'autoscaling', version: 'v2', plural: 'horizontalpodautoscalers' };
export const LEASES: ResourceType = { group: 'coordination.k8s.io', version: 'v1', plural: 'leases' };
export const HTTP_ROUTES: ResourceType = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes' };
export const VIRTUAL_SERVICES: ResourceType = {
  group: 'networking.istio.io',
  version: 'v1',
  plural: 'virtualservices',
};
export const DESTINATION_RULES: ResourceType = {
  group: 'networking.istio.io',
  version: 'v1',
  plural: 'destinationrules',
};
export const TRAFFIC_SPLITS: ResourceType = {
  group: 'split.smi-spec.io',
  version: 'v1alpha4',
  plural: 'trafficsplits',
};

/** `apiVersion` of objects of this type (`apps/v1`, `v1`). */
export function apiVersion(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

/**
 * REST path of a namespaced collection, object or subresource.
 *
 * @example resourcePath(DEPLOYMENTS, 'shop', 'web', 'status') // '/apis/apps/v1/namespaces/shop/deployments/web/status'
 */
export function resourcePath(type: ResourceType, namespace: string, name?: string, subresource?: string): string {
  const root = type.group ? `/apis/${type.group}/${type.version}` : `/api/${type.version}`;
  let path = `${root}/namespaces/${encodeURIComponent(namespace)}/${type.plural}`;
  if (name !== undefined) path += `/${encodeURIComponent(name)}`;
  if (subresource !== undefined) path += `/${subresource}`;
  return path;
}
