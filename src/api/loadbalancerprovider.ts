// TypeScript types of the LoadBalancerProvider custom resource. The spec blocks are derived from
// the builtin providers' schemas, as the CRD's are (src/api/crd.ts), so neither can drift; the
// common fields and the status mirror the CRD's template there.
import type { z } from 'zod';
import type { BuiltinProvider } from '../provider/builtin.ts';
import type { Capabilities } from '../provider/contract.ts';

export const GROUP = 'cloudlb.dev';
export const VERSION = 'v1alpha1';
export const PLURAL = 'loadbalancerproviders';
export const KIND = 'LoadBalancerProvider';

/** `spec.<type>` of each builtin cloud, as a user writes it (defaults not yet applied). */
export type ProviderSpecBlocks = {
  readonly [Definition in BuiltinProvider as Definition['type']]?: z.input<Definition['spec']>;
};

/** One cloud's block, e.g. `ProviderSpec<'aws'>`. */
export type ProviderSpec<Type extends keyof ProviderSpecBlocks> = NonNullable<ProviderSpecBlocks[Type]>;

export interface LoadBalancerProviderSpec extends ProviderSpecBlocks {
  readonly loadBalancerClass?: string;
  readonly default?: boolean;
  readonly credentialsSecretRef?: { readonly name: string };
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
    readonly deletionTimestamp?: string | Date;
    readonly finalizers?: readonly string[];
  };
  readonly spec: LoadBalancerProviderSpec;
  readonly status?: LoadBalancerProviderStatus;
}
