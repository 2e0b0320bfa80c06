// TypeScript mirror of crds/cloudlb.dev_loadbalancerproviders.yaml. Keep the two in step.
import type { Capabilities } from '../provider/contract.ts';

export const GROUP = 'cloudlb.dev';
export const VERSION = 'v1alpha1';
export const PLURAL = 'loadbalancerproviders';
export const KIND = 'LoadBalancerProvider';

export interface RateLimitSpec {
  readonly qps?: number;
  readonly burst?: number;
}

export interface AwsProviderSpec {
  readonly region: string;
  readonly endpoint?: string;
  readonly vpcID?: string;
  readonly subnetIDs?: readonly string[];
  readonly rateLimit?: RateLimitSpec;
}

export interface GcpProviderSpec {
  readonly project: string;
  readonly region: string;
  readonly network?: string;
  readonly subnetwork?: string;
  readonly endpoint?: string;
  readonly rateLimit?: RateLimitSpec;
}

export interface LocalProviderSpec {
  readonly addressPool?: string;
  readonly healthCheckIntervalSeconds?: number;
}

export interface LoadBalancerProviderSpec {
  readonly loadBalancerClass?: string;
  readonly default?: boolean;
  readonly credentialsSecretRef?: { readonly name: string };
  readonly aws?: AwsProviderSpec;
  readonly gcp?: GcpProviderSpec;
  readonly local?: LocalProviderSpec;
}

export interface Condition {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly observedGeneration?: number;
  readonly lastTransitionTime: string;
  readonly reason: string;
  readonly message: string;
}

export interface LoadBalancerProviderStatus {
  readonly observedGeneration?: number;
  readonly type?: string;
  readonly loadBalancerClass?: string;
  readonly sctpSchemes?: string;
  readonly services?: number;
  readonly capabilities?: Capabilities;
  readonly conditions?: readonly Condition[];
}

export interface LoadBalancerProvider {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: {
    readonly name: string;
    readonly generation?: number;
    readonly resourceVersion?: string;
    readonly uid?: string;
    readonly creationTimestamp?: string | Date;
  };
  readonly spec: LoadBalancerProviderSpec;
  readonly status?: LoadBalancerProviderStatus;
}
