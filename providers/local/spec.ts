// spec.local of a LoadBalancerProvider: its schema (the source of the CRD's spec.local) and its
// parse into typed values.
import { z } from 'zod';
import { PermanentError } from '../../src/provider/errors/index.ts';
import { parseSpecBlock } from '../../src/provider/spec-block.ts';
import type { ClaimedRange } from '../../src/provider/registry.ts';
import { currentHostNetworks, poolOffHost, type HostNetwork } from './host-networks.ts';
import { formatCidr, parseCidr } from './ipv4.ts';
import { poolFromCidr, type AddressPool } from './pool.ts';

export const DEFAULT_ADDRESS_POOL = '127.77.0.0/24';
export const DEFAULT_HEALTH_CHECK_INTERVAL_SECONDS = 5;

export const localSpecSchema = z
  .object({
    addressPool: z.string().default(DEFAULT_ADDRESS_POOL).meta({
      description:
        'CIDR to allocate load-balancer addresses from. The default, in 127.0.0.0/8, needs no setup on Linux.',
    }),
    healthCheckIntervalSeconds: z.number().int().min(1).max(300).default(DEFAULT_HEALTH_CHECK_INTERVAL_SECONDS),
  })
  .loose();

export interface LocalConfig {
  readonly pool: AddressPool;
  readonly healthCheckIntervalMs: number;
}

/**
 * Throws PermanentError naming the field a user would fix. `networks`: the ranges this machine can
 * listen on (host-networks.ts); the pool must lie inside one of them.
 */
export function parseLocalSpec(spec: unknown, networks: readonly HostNetwork[]): LocalConfig {
  const parsed = parseSpecBlock(localSpecSchema, 'local', spec);
  const cidr = parseCidr(parsed.addressPool);
  if (cidr === undefined) {
    throw new PermanentError(
      `spec.local.addressPool "${parsed.addressPool}" is not an IPv4 CIDR such as ${DEFAULT_ADDRESS_POOL} (host bits must be zero)`,
      { field: 'spec.local.addressPool' },
    );
  }
  const offHost = poolOffHost(cidr, networks);
  if (offHost !== undefined)
    throw new PermanentError(`spec.local.addressPool ${offHost}`, { field: 'spec.local.addressPool' });
  return { pool: poolFromCidr(cidr), healthCheckIntervalMs: parsed.healthCheckIntervalSeconds * 1000 };
}

/**
 * The address range spec.local claims for itself alone: two local providers must not hand out the
 * same addresses. A spec that cannot be served (malformed, off this machine) claims nothing; its
 * provider fails to build and says why.
 */
export function claimedAddressPools(spec: unknown): readonly ClaimedRange[] {
  try {
    const { pool } = parseLocalSpec(spec, currentHostNetworks());
    return [{ field: 'spec.local.addressPool', cidr: formatCidr(pool.cidr) }];
  } catch {
    return [];
  }
}
