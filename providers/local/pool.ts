// Address allocation from the pool: pure. The preferred address of a load balancer is a hash of
// its name (cluster + Service UID), so a restart derives the same address even before the record
// is read; linear probing resolves collisions, and the record (store.ts) keeps the probed result
// stable whatever order Services are ensured in after a restart.
import { createHash } from 'node:crypto';
import { cidrContains, cidrSize, formatCidr, formatIPv4, parseIPv4, type Cidr } from './ipv4.ts';

export interface AddressPool {
  readonly cidr: Cidr;
  /** First usable address: network and broadcast are skipped, except in a /31 or /32. */
  readonly first: number;
  readonly count: number;
}

export function poolFromCidr(cidr: Cidr): AddressPool {
  const size = cidrSize(cidr);
  if (cidr.prefix >= 31) return { cidr, first: cidr.network, count: size };
  return { cidr, first: cidr.network + 1, count: size - 2 };
}

export function describePool(pool: AddressPool): string {
  return formatCidr(pool.cidr);
}

export function isUsable(pool: AddressPool, address: number): boolean {
  return cidrContains(pool.cidr, address) && address >= pool.first && address < pool.first + pool.count;
}

export interface AllocationRequest {
  /** The load balancer's name (LoadBalancerRef.name). */
  readonly key: string;
  /** spec.loadBalancerIP, when the user asked for one. */
  readonly requested?: string;
  /** The address recorded for this key, if any. */
  readonly recorded?: string;
}

export type AllocationResult =
  | { readonly kind: 'allocated'; readonly address: string }
  | { readonly kind: 'malformed'; readonly requested: string }
  | { readonly kind: 'outside'; readonly requested: string }
  | { readonly kind: 'taken'; readonly address: string; readonly owner: string }
  | { readonly kind: 'full'; readonly used: number; readonly total: number };

/**
 * Picks the address for `request.key`. `taken` maps each address in use to the key that holds it;
 * an address held by another key is never given out.
 */
export function allocateAddress(
  pool: AddressPool,
  request: AllocationRequest,
  taken: ReadonlyMap<string, string>,
): AllocationResult {
  const heldByOther = (address: string): string | undefined => {
    const owner = taken.get(address);
    return owner !== undefined && owner !== request.key ? owner : undefined;
  };

  if (request.requested !== undefined) {
    const value = parseIPv4(request.requested);
    if (value === undefined) return { kind: 'malformed', requested: request.requested };
    if (!isUsable(pool, value)) return { kind: 'outside', requested: request.requested };
    const address = formatIPv4(value);
    const owner = heldByOther(address);
    return owner === undefined ? { kind: 'allocated', address } : { kind: 'taken', address, owner };
  }

  if (request.recorded !== undefined) {
    const value = parseIPv4(request.recorded);
    if (value !== undefined && isUsable(pool, value) && heldByOther(request.recorded) === undefined) {
      return { kind: 'allocated', address: request.recorded };
    }
  }

  const start = preferredSlot(request.key, pool.count);
  for (let step = 0; step < pool.count; step++) {
    const address = formatIPv4(pool.first + ((start + step) % pool.count));
    if (heldByOther(address) === undefined) return { kind: 'allocated', address };
  }
  return { kind: 'full', used: countUsed(pool, taken, request.key), total: pool.count };
}

/** A stable slot in [0, count) for a key. */
export function preferredSlot(key: string, count: number): number {
  const digest = createHash('sha256').update(key).digest();
  return digest.readUInt32BE(0) % count;
}

function countUsed(pool: AddressPool, taken: ReadonlyMap<string, string>, except: string): number {
  let used = 0;
  for (const [address, owner] of taken) {
    const value = parseIPv4(address);
    if (owner !== except && value !== undefined && isUsable(pool, value)) used++;
  }
  return used;
}
