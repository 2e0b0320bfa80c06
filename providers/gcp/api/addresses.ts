// Writes of a load balancer's regional address, each waited on until its operation is done.
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
  return api.mutate(
    'addresses.insert',
    plan.names.address,
    REGION,
    (o) => api.addresses.insert({ ...api.regional, addressResource }, o),
    s,
  );
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
