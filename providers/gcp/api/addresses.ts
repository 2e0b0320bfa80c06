// Writes of a load balancer's regional address, each waited on until its operation is done.
import { PermanentError } from '../../../src/provider/errors/index.ts';
import type { Plan } from '../plan.ts';
import { REGION, type ComputeApi } from './compute.ts';
import type { Address } from './lookups.ts';

export function insertAddress(api: ComputeApi, plan: Plan, s: AbortSignal): Promise<void> {
  const internal = plan.scheme === 'INTERNAL';
  const subnetwork = api.config.subnetwork;
  const addressResource: Address = {
    name: plan.names.address,
    addressType: plan.scheme,
    description: plan.description,
    labels: { ...plan.labels },
    ...(plan.requestedAddress ? { address: plan.requestedAddress } : {}),
    ...(internal ? { purpose: 'SHARED_LOADBALANCER_VIP', ...(subnetwork ? { subnetwork } : {}) } : {}),
  };
  const inserted = api.mutate(
    'addresses.insert',
    plan.names.address,
    REGION,
    (o) => api.addresses.insert({ ...api.regional, addressResource }, o),
    s,
  );
  return plan.requestedAddress === undefined ? inserted : blameRequestedAddress(inserted);
}

/**
 * Compute Engine refuses `resource.address` as invalid for what only it can decide (an address
 * outside the region's ranges, one reserved elsewhere). The only value of an address insert a
 * user chose is that address, so the refusal is theirs to fix in spec.loadBalancerIP.
 */
async function blameRequestedAddress(work: Promise<void>): Promise<void> {
  try {
    await work;
  } catch (error) {
    if (error instanceof PermanentError && error.field === undefined)
      throw new PermanentError(error.message, { field: 'spec.loadBalancerIP', cause: error });
    throw error;
  }
}

export function deleteAddress(api: ComputeApi, name: string, s: AbortSignal): Promise<void> {
  return api.mutate(
    'addresses.delete',
    name,
    REGION,
    (o) => api.addresses.delete({ ...api.regional, address: name }, o),
    s,
  );
}
