// spec.local of a LoadBalancerProvider, parsed once into typed values.
import { z } from 'zod';
import { PermanentError } from '../../src/provider/errors/index.ts';
import { parseCidr } from './ipv4.ts';
import { poolFromCidr, type AddressPool } from './pool.ts';

export const DEFAULT_ADDRESS_POOL = '127.77.0.0/24';
export const DEFAULT_HEALTH_CHECK_INTERVAL_SECONDS = 5;

const localSpecSchema = z
  .object({
    addressPool: z.string().default(DEFAULT_ADDRESS_POOL),
    healthCheckIntervalSeconds: z.number().int().min(1).max(300).default(DEFAULT_HEALTH_CHECK_INTERVAL_SECONDS),
  })
  .loose();

export interface LocalConfig {
  readonly pool: AddressPool;
  readonly healthCheckIntervalMs: number;
}

/** Throws PermanentError naming the field a user would fix. */
export function parseLocalSpec(spec: unknown): LocalConfig {
  const parsed = localSpecSchema.safeParse(spec ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = ['spec', 'local', ...(issue?.path ?? []).map(String)].join('.');
    throw new PermanentError(`${field}: ${issue?.message ?? 'invalid'}`, { field, cause: parsed.error });
  }
  const cidr = parseCidr(parsed.data.addressPool);
  if (cidr === undefined) {
    throw new PermanentError(
      `spec.local.addressPool "${parsed.data.addressPool}" is not an IPv4 CIDR such as ${DEFAULT_ADDRESS_POOL} (host bits must be zero)`,
      { field: 'spec.local.addressPool' },
    );
  }
  return { pool: poolFromCidr(cidr), healthCheckIntervalMs: parsed.data.healthCheckIntervalSeconds * 1000 };
}
