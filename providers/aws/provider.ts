import type {
  Capabilities,
  DesiredLoadBalancer,
  Interpretation,
  LoadBalancerProvider,
  LoadBalancerRef,
  LoadBalancerStatus,
} from '../../src/provider/contract.ts';
import type { ProviderContext } from '../../src/provider/registry.ts';
import { interpretAnnotations, type AwsOptions } from './annotations.ts';
import { createClients, credentialsFromSecret, type AwsClients } from './api/clients.ts';
import { Ec2Api } from './api/ec2.ts';
import { Elbv2Api } from './api/elbv2.ts';
import type { ApiOptions } from './api/shared.ts';
import type { AwsContext } from './context.ts';
import { deleteLoadBalancer } from './delete.ts';
import { ensureLoadBalancer } from './ensure.ts';
import { classifyAwsError } from './errors.ts';
import { listOwnedLoadBalancers } from './list-owned.ts';
import { parseAwsSpec } from './spec.ts';
import { CloudCaller, type RetryPolicy } from '../../src/provider/cloud-call.ts';
import { TokenBucket } from '../../src/provider/token-bucket.ts';

export const DEFAULT_RETRY: RetryPolicy = { retries: 6, minTimeoutMs: 200, maxTimeoutMs: 5_000 };

export const AWS_CAPABILITIES: Capabilities = {
  schemes: { External: { protocols: ['TCP', 'UDP'] }, Internal: { protocols: ['TCP', 'UDP'] } },
  mixedProtocols: true,
  addressKind: 'Hostname',
  sourceRanges: true,
  staticAddress: false,
  needsNodePorts: true,
  addressFamilies: ['IPv4'],
  // "Listeners per Network Load Balancer: 50, not adjustable" (AWS, Quotas for your Network Load Balancers).
  maxListeners: 50,
};

/** For tests: replace the SDK clients or the retry timing. Production passes nothing. */
export interface AwsProviderOverrides {
  readonly clients?: AwsClients;
  readonly retry?: RetryPolicy;
  readonly batching?: ApiOptions['batching'];
}

export class AwsProvider implements LoadBalancerProvider<AwsOptions> {
  readonly type = 'aws';
  readonly #ctx: AwsContext;
  readonly #clients: AwsClients;

  /** Cheap: parses the spec and builds clients; no cloud call. */
  constructor(spec: unknown, context: ProviderContext, overrides: AwsProviderOverrides = {}) {
    const parsed = parseAwsSpec(spec);
    this.#clients = overrides.clients ?? createClients(parsed, credentialsFromSecret(context.credentials));
    const log = context.log.child({ provider: context.providerName, type: 'aws' });
    // Every ELBv2 and EC2 request of this provider shares one rate limit and one retry policy.
    const caller = new CloudCaller({
      cloud: 'AWS',
      limiter: new TokenBucket(parsed.rateLimit),
      countCall: context.countCall,
      retry: overrides.retry ?? DEFAULT_RETRY,
      classify: classifyAwsError,
      log,
    });
    const apiOptions = overrides.batching === undefined ? {} : { batching: overrides.batching };
    this.#ctx = {
      elbv2: new Elbv2Api(this.#clients.elbv2, caller, apiOptions),
      ec2: new Ec2Api(this.#clients.ec2, caller, apiOptions),
      spec: parsed,
      clusterName: context.clusterName,
      log,
      discoveredSubnets: new Map(),
      discoveringSubnets: new Map(),
      nlbNames: new Map(),
    };
  }

  capabilities(): Capabilities {
    return AWS_CAPABILITIES;
  }

  interpret(annotations: Readonly<Record<string, string>>): Interpretation<AwsOptions> {
    return interpretAnnotations(annotations);
  }

  ensure(lb: DesiredLoadBalancer<AwsOptions>, signal: AbortSignal): Promise<LoadBalancerStatus> {
    return ensureLoadBalancer(this.#ctx, lb, signal);
  }

  delete(ref: LoadBalancerRef, signal: AbortSignal): Promise<void> {
    return deleteLoadBalancer(this.#ctx, ref, signal);
  }

  listOwned(signal: AbortSignal): AsyncIterable<LoadBalancerRef> {
    return listOwnedLoadBalancers(this.#ctx, signal);
  }

  close(): Promise<void> {
    this.#clients.elbv2.destroy();
    this.#clients.ec2.destroy();
    return Promise.resolve();
  }
}
