import type { KubeObject } from './client.js';

/**
 * The parts of the built-in objects Chimera reads or writes, as the JSON API returns them (timestamps are
 * strings here, unlike `@kubernetes/client-node`'s model classes). Unknown fields are preserved by spreading.
 */
export interface Container {
  name: string;
  image?: string;
  ports?: { containerPort: number; name?: string; protocol?: string }[];
  env?: {
    name: string;
    valueFrom?: { configMapKeyRef?: { name: string; key?: string }; secretKeyRef?: { name: string; key?: string } };
  }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  [key: string]: unknown;
}

export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    containers: Container[];
    initContainers?: Container[];
    volumes?: {
      name: string;
      configMap?: { name: string };
      secret?: { secretName: string };
      projected?: { sources?: { configMap?: { name: string }; secret?: { name: string } }[] };
    }[];
    [key: string]: unknown;
  };
}

export interface DeploymentCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

export interface Deployment extends KubeObject {
  spec: {
    replicas?: number;
    selector: { matchLabels?: Record<string, string> };
    template: PodTemplate;
    paused?: boolean;
    [key: string]: unknown;
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    conditions?: DeploymentCondition[];
  };
}

export interface Service extends KubeObject {
  spec: {
    selector?: Record<string, string>;
    ports: { name?: string; port: number; targetPort?: number | string; protocol?: string }[];
    type?: string;
    [key: string]: unknown;
  };
}

export interface HorizontalPodAutoscaler extends KubeObject {
  spec: {
    scaleTargetRef: { apiVersion?: string; kind: string; name: string };
    minReplicas?: number;
    maxReplicas: number;
    [key: string]: unknown;
  };
  status?: { desiredReplicas?: number; currentReplicas?: number };
}

export interface Lease extends KubeObject {
  spec: {
    holderIdentity?: string | null;
    leaseDurationSeconds?: number;
    acquireTime?: string | null;
    renewTime?: string | null;
    leaseTransitions?: number;
  };
}
