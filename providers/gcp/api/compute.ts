// The narrow seam to @google-cloud/compute: the few clients the provider needs, every call made
// through the cloud-call seam (one rate limit for the provider, retries with jitter on throttling
// and 5xx, a count of every API call), and operations waited on and their errors classified.
import {
  AddressesClient,
  FirewallsClient,
  ForwardingRulesClient,
  GlobalOperationsClient,
  InstanceGroupsClient,
  InstancesClient,
  RegionBackendServicesClient,
  RegionHealthChecksClient,
  RegionOperationsClient,
  ZoneOperationsClient,
  type protos,
} from '@google-cloud/compute';
import type { AuthClient } from 'google-auth-library';
import type { Logger } from 'pino';
import { CloudCaller, type RetryPolicy } from '../../../src/provider/cloud-call.ts';
import { RetryAfterError } from '../../../src/provider/errors/index.ts';
import { TokenBucket } from '../../../src/provider/token-bucket.ts';
import { callFailure, classifyOperationError, KIND_CODES } from '../errors.ts';
import type { GcpConfig } from '../spec.ts';

type Operation = protos.google.cloud.compute.v1.IOperation;
/** What every mutating method resolves to: the LROperation wrapper with the raw Operation. */
type Started = readonly [{ readonly latestResponse?: unknown; readonly name?: string | null }, ...unknown[]];

export type OperationScope =
  { readonly kind: 'region' } | { readonly kind: 'zone'; readonly zone: string } | { readonly kind: 'global' };
export const REGION: OperationScope = { kind: 'region' };
export const GLOBAL: OperationScope = { kind: 'global' };

/** Options that make the client do one HTTP request per call: our retry and paging are in charge. */
export interface CallOpts {
  readonly retry: null;
  readonly timeout: number;
  readonly autoPaginate: false;
  readonly maxResults?: number;
}
const CALL_OPTIONS: CallOpts = { retry: null, timeout: 60_000, autoPaginate: false };
const OPERATION_DEADLINE_MS = 5 * 60_000;

export interface ComputeDeps {
  readonly authClient: AuthClient | undefined;
  readonly countCall: (operation: string) => void;
  readonly log: Logger;
  /** Retry budget per call; tests lower the delays. */
  readonly retry?: RetryPolicy;
}

const DEFAULT_RETRY: RetryPolicy = { retries: 5, minTimeoutMs: 250, maxTimeoutMs: 8_000 };

export class ComputeApi {
  readonly config: GcpConfig;
  readonly addresses: AddressesClient;
  readonly forwardingRules: ForwardingRulesClient;
  readonly healthChecks: RegionHealthChecksClient;
  readonly backendServices: RegionBackendServicesClient;
  readonly firewalls: FirewallsClient;
  readonly instanceGroups: InstanceGroupsClient;
  readonly instances: InstancesClient;
  readonly #regionOperations: RegionOperationsClient;
  readonly #zoneOperations: ZoneOperationsClient;
  readonly #globalOperations: GlobalOperationsClient;
  readonly #caller: CloudCaller;

  constructor(config: GcpConfig, deps: ComputeDeps) {
    this.config = config;
    const options = {
      ...(config.endpoint ?? {}),
      ...(deps.authClient ? { authClient: deps.authClient } : {}),
    };
    this.addresses = new AddressesClient(options);
    this.forwardingRules = new ForwardingRulesClient(options);
    this.healthChecks = new RegionHealthChecksClient(options);
    this.backendServices = new RegionBackendServicesClient(options);
    this.firewalls = new FirewallsClient(options);
    this.instanceGroups = new InstanceGroupsClient(options);
    this.instances = new InstancesClient(options);
    this.#regionOperations = new RegionOperationsClient(options);
    this.#zoneOperations = new ZoneOperationsClient(options);
    this.#globalOperations = new GlobalOperationsClient(options);
    this.#caller = new CloudCaller({
      cloud: 'Compute Engine',
      limiter: new TokenBucket({ qps: config.qps, burst: config.burst }),
      countCall: deps.countCall,
      retry: deps.retry ?? DEFAULT_RETRY,
      classify: callFailure,
      log: deps.log,
    });
  }

  /** The fields every regional request starts with. */
  get regional(): { project: string; region: string } {
    return { project: this.config.project, region: this.config.region };
  }

  /** One API call (`forwardingRules.insert`, counted as `compute:forwardingRules.insert`) through the seam. */
  call<T>(operation: string, target: string, fn: (options: CallOpts) => Promise<T>, signal: AbortSignal): Promise<T> {
    return this.#caller.call(`compute:${operation}`, signal, () => fn(CALL_OPTIONS), { target });
  }

  /** Every page of a list, one counted call per page; `target` names what is listed in errors. */
  async list<T, R>(
    operation: string,
    request: NoInfer<R>,
    fn: (request: R, options: CallOpts) => Promise<readonly [T[], R | null | undefined, ...unknown[]]>,
    signal: AbortSignal,
    target = 'list',
  ): Promise<T[]> {
    const items: T[] = [];
    let next: R | null | undefined = request;
    while (next) {
      const page: R = next;
      const [got, following] = await this.call(operation, target, (options) => fn(page, options), signal);
      items.push(...got);
      next = following;
    }
    return items;
  }

  /** A mutating call and its operation, waited on until DONE; the operation's error is classified. */
  async mutate(
    operation: string,
    target: string,
    scope: OperationScope,
    fn: (options: CallOpts) => Promise<Started>,
    signal: AbortSignal,
  ): Promise<void> {
    const [started] = await this.call(operation, target, fn, signal);
    let current = (started.latestResponse ?? {}) as Operation;
    const name = current.name ?? started.name ?? '';
    const deadline = Date.now() + OPERATION_DEADLINE_MS;
    while (current.status !== 'DONE') {
      if (Date.now() > deadline) {
        throw new RetryAfterError(
          `${operation} ${target}: operation ${name} still ${current.status ?? 'PENDING'}`,
          15_000,
        );
      }
      current = await this.#wait(scope, name, signal);
    }
    const first = current.error?.errors?.[0];
    if (first) {
      const kind = classifyOperationError(first.code);
      const failure = { kind: kind === 'invalid' ? kind : 'final', code: KIND_CODES[kind] } as const;
      throw this.#caller.failed(
        `compute:${operation}`,
        target,
        failure,
        current,
        `${first.code ?? 'ERROR'}: ${first.message ?? ''}`,
      );
    }
  }

  async #wait(scope: OperationScope, operation: string, signal: AbortSignal): Promise<Operation> {
    const { project, region } = this.config;
    switch (scope.kind) {
      case 'region':
        return (
          await this.call(
            'regionOperations.wait',
            operation,
            (o) => this.#regionOperations.wait({ project, region, operation }, o),
            signal,
          )
        )[0];
      case 'zone':
        return (
          await this.call(
            'zoneOperations.wait',
            operation,
            (o) => this.#zoneOperations.wait({ project, zone: scope.zone, operation }, o),
            signal,
          )
        )[0];
      case 'global':
        return (
          await this.call(
            'globalOperations.wait',
            operation,
            (o) => this.#globalOperations.wait({ project, operation }, o),
            signal,
          )
        )[0];
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled(
      [
        this.addresses,
        this.forwardingRules,
        this.healthChecks,
        this.backendServices,
        this.firewalls,
        this.instanceGroups,
        this.#regionOperations,
        this.#zoneOperations,
        this.#globalOperations,
      ].map((c) => c.close()),
    );
  }
}
