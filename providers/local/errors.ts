// The local provider's own errors: a failed bind, and an address the pool cannot give, each said
// in words that tell the user what to do about it.
import { PermanentError, ProviderError, RetryAfterError } from '../../src/provider/errors/index.ts';
import { formatIPv4 } from './ipv4.ts';
import { describePool, type AddressPool, type AllocationResult } from './pool.ts';
import type { AllocationRecord } from './store.ts';

/** How soon a Service waiting for an address (full pool, requested address in use) is tried again. */
export const ADDRESS_WAIT_MS = 30_000;

/** What to do when the system refuses a port below 1024 (docs/local.md, "Ports below 1024"). */
export const PRIVILEGED_PORT_ADVICE =
  'ports below 1024 need root, CAP_NET_BIND_SERVICE, or net.ipv4.ip_unprivileged_port_start lowered on the node; use a port of 1024 or more, or see "Ports below 1024" in docs/local.md';

/**
 * Why the system refuses this listener for good (EACCES: a port below 1024 for an unprivileged
 * process), or undefined when the failure may pass (EADDRINUSE, …) and ensure should fail and retry.
 */
export function permanentListenRefusal(error: unknown): string | undefined {
  if (!(error instanceof ProviderError) || error.operation !== 'local:listen' || error.code !== 'EACCES')
    return undefined;
  return error.message;
}

export function listenError(error: unknown, where: string): ProviderError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const advice =
    code === 'EADDRINUSE'
      ? 'another process already listens there'
      : code === 'EACCES'
        ? PRIVILEGED_PORT_ADVICE
        : code === 'EADDRNOTAVAIL'
          ? 'the address is not on this machine; use a pool inside 127.0.0.0/8 (Linux) or add the address to an interface'
          : 'the operating system refused the bind';
  return new ProviderError(`cannot listen on ${where}: ${advice}`, {
    operation: 'local:listen',
    ...(code === undefined ? {} : { code }),
    cause: error,
  });
}

export function allocationError(
  addressPool: AddressPool,
  result: Exclude<AllocationResult, { kind: 'allocated' }>,
  records: ReadonlyMap<string, AllocationRecord>,
): Error {
  const pool = describePool(addressPool);
  switch (result.kind) {
    case 'malformed':
      return new PermanentError(`spec.loadBalancerIP "${result.requested}" is not an IPv4 address`, {
        field: 'spec.loadBalancerIP',
      });
    case 'outside': {
      const { first, count } = addressPool;
      return new PermanentError(
        `spec.loadBalancerIP ${result.requested} is outside the address pool ${pool} (usable ${formatIPv4(first)} to ${formatIPv4(first + count - 1)})`,
        { field: 'spec.loadBalancerIP' },
      );
    }
    case 'taken': {
      const owner = records.get(result.owner)?.ownership;
      const who =
        owner === undefined ? 'another load balancer' : `Service ${owner.serviceNamespace}/${owner.serviceName}`;
      return new RetryAfterError(
        `spec.loadBalancerIP ${result.address} is in use by ${who}; waiting for it to be freed`,
        ADDRESS_WAIT_MS,
      );
    }
    case 'full':
      return new RetryAfterError(
        `address pool ${pool} is full: ${result.used} of ${result.total} addresses in use; waiting for one to be freed`,
        ADDRESS_WAIT_MS,
      );
  }
}
