// In-memory provider for controller tests and the benchmark: type 'memory', so its objects never
// reach the real local provider. Registered in a test registry only (src/provider/builtin.ts does
// not import test/); the test control plane's CRD accepts spec.memory (TEST_CRD_PROVIDERS).
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { CrdProvider } from '../../src/api/crd.ts';
import { BUILTIN_PROVIDERS } from '../../src/provider/builtin.ts';
import type {
  Capabilities,
  DesiredLoadBalancer,
  Interpretation,
  LoadBalancerProvider,
  LoadBalancerRef,
  LoadBalancerStatus,
} from '../../src/provider/contract.ts';
import { PermanentError, ProviderError, RetryAfterError } from '../../src/provider/errors/index.ts';
import type { ProviderContext, ProviderDefinition, ProviderFactory } from '../../src/provider/registry.ts';

export type Operation = 'ensure' | 'delete' | 'listOwned';
export type FailureKind = 'transient' | 'permanent' | 'retryAfter';

export interface StoredLoadBalancer {
  readonly ref: LoadBalancerRef;
  readonly scheme: string;
  readonly listeners: readonly string[];
  readonly targets: readonly string[];
  readonly healthCheck: string;
  readonly sourceRanges: readonly string[];
  readonly address: string;
}

export interface Write {
  readonly op: 'create' | 'update' | 'delete';
  readonly name: string;
  readonly serviceUID: string;
}

interface Failure {
  remaining: number;
  kind: FailureKind;
  delayMs: number;
}

export const FULL_CAPABILITIES: Capabilities = {
  schemes: { External: { protocols: ['TCP', 'UDP', 'SCTP'] }, Internal: { protocols: ['TCP', 'UDP', 'SCTP'] } },
  mixedProtocols: true,
  addressKind: 'IP',
  sourceRanges: true,
  staticAddress: true,
  needsNodePorts: true,
  endpointTargets: false,
  addressFamilies: ['IPv4', 'IPv6'],
};

/**
 * The fake cloud: what exists, who called what, what was written. It outlives provider
 * instances (credential rotation rebuilds them) and operator restarts within one test.
 */
export class TestCloud {
  readonly lbs = new Map<string, StoredLoadBalancer>();
  readonly calls = new Map<string, number>();
  readonly writes: Write[] = [];
  /** When (Date.now()) `ensure` was first called for each Service UID: the scale bench's latency end point. */
  readonly firstEnsureAt = new Map<string, number>();
  capabilities: Capabilities;
  latencyMs: number;
  /** Provider instances built (each credential rotation or spec change builds one). */
  instances = 0;
  closed = 0;
  lastCredentials: Readonly<Record<string, string>> | undefined;
  readonly #failures = new Map<Operation, Failure>();

  constructor(options: { capabilities?: Capabilities; latencyMs?: number } = {}) {
    this.capabilities = options.capabilities ?? FULL_CAPABILITIES;
    this.latencyMs = options.latencyMs ?? 0;
  }

  /** Make the next `times` calls of `op` fail (default: until clearFailures). */
  fail(op: Operation, kind: FailureKind = 'transient', options: { times?: number; delayMs?: number } = {}): void {
    this.#failures.set(op, { remaining: options.times ?? Infinity, kind, delayMs: options.delayMs ?? 200 });
  }

  clearFailures(): void {
    this.#failures.clear();
  }

  count(op: string): number {
    return this.calls.get(op) ?? 0;
  }

  totalCalls(): number {
    let total = 0;
    for (const n of this.calls.values()) total += n;
    return total;
  }

  byService(uid: string): StoredLoadBalancer | undefined {
    for (const lb of this.lbs.values()) if (lb.ref.ownership.serviceUID === uid) return lb;
    return undefined;
  }

  /** Counts the call and throws an injected failure when one is armed. */
  async call(op: Operation, context: ProviderContext, signal: AbortSignal): Promise<void> {
    this.calls.set(op, this.count(op) + 1);
    context.countCall(`test:${op}`);
    if (this.latencyMs > 0) await sleep(this.latencyMs, undefined, { signal });
    const failure = this.#failures.get(op);
    if (failure === undefined || failure.remaining <= 0) return;
    failure.remaining -= 1;
    if (failure.kind === 'permanent') throw new PermanentError(`the test cloud refuses ${op}`, { field: 'spec' });
    if (failure.kind === 'retryAfter')
      throw new RetryAfterError(`the test cloud is still provisioning`, failure.delayMs);
    throw new ProviderError(`test cloud ${op} failed`, { operation: `test:${op}`, code: 'InternalFailure' });
  }
}

function addressOf(name: string): string {
  const h = createHash('sha256').update(name).digest();
  return `10.${h[0] ?? 0}.${h[1] ?? 0}.${((h[2] ?? 0) % 250) + 1}`;
}

function stored(lb: DesiredLoadBalancer): StoredLoadBalancer {
  return {
    ref: { name: lb.name, ownership: lb.ownership },
    scheme: lb.scheme,
    listeners: lb.listeners.map((l) => `${l.port}/${l.protocol}->${l.nodePort}`),
    targets: lb.targets.map((t) => t.nodeName),
    healthCheck: lb.healthCheck.kind === 'HTTP' ? `HTTP:${lb.healthCheck.port}${lb.healthCheck.path}` : 'TrafficPort',
    sourceRanges: [...lb.sourceRanges],
    address: lb.requestedAddress ?? addressOf(lb.name),
  };
}

/** The test provider's type and spec block (it takes no settings). */
export const MEMORY_PROVIDER = {
  type: 'memory',
  description: 'A fake cloud in the test process (test/support/test-provider.ts); only in the test control plane.',
  spec: z.object({}),
} as const satisfies CrdProvider;

/** The provider types whose spec blocks the test control plane's CRD accepts. */
export const TEST_CRD_PROVIDERS: readonly CrdProvider[] = [...BUILTIN_PROVIDERS, MEMORY_PROVIDER];

class TestProvider implements LoadBalancerProvider {
  readonly type = MEMORY_PROVIDER.type;
  readonly #cloud: TestCloud;
  readonly #context: ProviderContext;

  constructor(cloud: TestCloud, context: ProviderContext) {
    this.#cloud = cloud;
    this.#context = context;
  }

  capabilities(): Capabilities {
    return this.#cloud.capabilities;
  }

  interpret(annotations: Readonly<Record<string, string>>): Interpretation {
    const scheme = annotations['test.cloudlb.dev/scheme'] ?? 'External';
    if (scheme !== 'External' && scheme !== 'Internal') {
      return {
        scheme: 'External',
        options: undefined,
        problems: [
          {
            field: 'metadata.annotations[test.cloudlb.dev/scheme]',
            message: 'test.cloudlb.dev/scheme must be External or Internal.',
          },
        ],
      };
    }
    return { scheme, options: undefined, problems: [] };
  }

  async ensure(lb: DesiredLoadBalancer, signal: AbortSignal): Promise<LoadBalancerStatus> {
    const uid = lb.ownership.serviceUID;
    if (!this.#cloud.firstEnsureAt.has(uid)) this.#cloud.firstEnsureAt.set(uid, Date.now());
    await this.#cloud.call('ensure', this.#context, signal);
    const want = stored(lb);
    const have = this.#cloud.lbs.get(lb.name);
    const changed = have === undefined || JSON.stringify(have) !== JSON.stringify(want);
    if (changed) {
      this.#cloud.lbs.set(lb.name, want);
      this.#cloud.writes.push({
        op: have === undefined ? 'create' : 'update',
        name: lb.name,
        serviceUID: lb.ownership.serviceUID,
      });
    }
    return {
      ingress: [{ ip: want.address, ipMode: 'VIP' }],
      summary: `test load balancer ${lb.name} with listeners ${lb.listeners.map((l) => `${l.port}/${l.protocol}`).join(', ')}`,
      changed,
    };
  }

  async delete(ref: LoadBalancerRef, signal: AbortSignal): Promise<void> {
    await this.#cloud.call('delete', this.#context, signal);
    if (this.#cloud.lbs.delete(ref.name)) {
      this.#cloud.writes.push({ op: 'delete', name: ref.name, serviceUID: ref.ownership.serviceUID });
    }
  }

  async *listOwned(signal: AbortSignal): AsyncIterable<LoadBalancerRef> {
    await this.#cloud.call('listOwned', this.#context, signal);
    for (const lb of [...this.#cloud.lbs.values()]) {
      if (lb.ref.ownership.clusterName === this.#context.clusterName) yield lb.ref;
    }
  }

  close(): Promise<void> {
    this.#cloud.closed += 1;
    return Promise.resolve();
  }
}

/** The test provider's factory: each call builds an instance on `cloud`. */
export function testProviderFactory(cloud: TestCloud): ProviderFactory {
  return (_spec, context) => {
    cloud.instances += 1;
    cloud.lastCredentials = context.credentials;
    return new TestProvider(cloud, context);
  };
}

/** A ProviderDefinition for a test registry: type 'memory', backed by `cloud`. */
export function testProviderDefinition(
  cloud: TestCloud,
  options: { requiredSecretKeys?: readonly string[] } = {},
): ProviderDefinition {
  return {
    ...MEMORY_PROVIDER,
    requiredSecretKeys: options.requiredSecretKeys ?? [],
    get capabilities() {
      return cloud.capabilities;
    },
    annotationPrefixes: ['test.cloudlb.dev/'],
    load: () => Promise.resolve(testProviderFactory(cloud)),
  };
}
