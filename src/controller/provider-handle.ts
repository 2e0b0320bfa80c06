import type { Capabilities, LoadBalancerProvider } from '../provider/contract.ts';

/** A built provider, as the provider manager hands it out. */
export interface ProviderHandle {
  readonly name: string;
  readonly type: string;
  /** Changes whenever the provider is rebuilt (spec or Secret changed): memoised verdicts expire. */
  readonly instanceId: number;
  readonly provider: LoadBalancerProvider;
  readonly capabilities: Capabilities;
}

export type ProviderLookup =
  | {
      readonly state: 'ready';
      readonly handle: ProviderHandle;
      /** Its deletion is held by its Services (protection.ts): it serves them, and takes no new one. */
      readonly deleting?: boolean;
    }
  | { readonly state: 'notReady'; readonly message: string }
  | {
      readonly state: 'missing';
      /**
       * This process built the provider and saw it go, and its type keeps nothing outside the
       * operator (ProviderDefinition.resourcesDieWithProvider): no load balancer of it is left.
       */
      readonly nothingLeft?: boolean;
    };

/** The provider manager as the reconciler sees it. */
export interface ProviderDirectory {
  lookup(name: string): ProviderLookup;
  /** Every LoadBalancerProvider object's name, ready or not. */
  names(): readonly string[];
}
