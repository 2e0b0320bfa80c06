// Writes of a load balancer's regional backend service, each waited on until its operation is done.
import type { Plan } from '../plan.ts';
import type { GcpConfig } from '../spec.ts';
import { REGION, type ComputeApi } from './compute.ts';
import { healthCheckLink } from './health-checks.ts';
import type { BackendService } from './lookups.ts';

export function backendServiceLink(config: GcpConfig, name: string): string {
  return `projects/${config.project}/regions/${config.region}/backendServices/${name}`;
}

function backendServiceResource(
  config: GcpConfig,
  plan: Plan,
  groupLinks: readonly string[],
  fingerprint?: string | null,
): BackendService {
  return {
    name: plan.names.backendService,
    description: plan.description,
    loadBalancingScheme: plan.scheme,
    protocol: plan.backendProtocol,
    healthChecks: [healthCheckLink(config, plan.names.healthCheck)],
    backends: groupLinks.map((group) => ({ group, balancingMode: 'CONNECTION' })),
    sessionAffinity: 'NONE',
    ...(plan.scheme === 'INTERNAL' ? { network: config.network } : {}),
    ...(fingerprint ? { fingerprint } : {}),
  };
}

export function insertBackendService(
  api: ComputeApi,
  plan: Plan,
  groupLinks: readonly string[],
  s: AbortSignal,
): Promise<void> {
  const resource = backendServiceResource(api.config, plan, groupLinks);
  return api.mutate(
    'regionBackendServices.insert',
    plan.names.backendService,
    REGION,
    (o) => api.backendServices.insert({ ...api.regional, backendServiceResource: resource }, o),
    s,
  );
}

/** `fingerprint` is the one read: the update fails (CONFLICT) when the resource changed since. */
export function updateBackendService(
  api: ComputeApi,
  plan: Plan,
  groupLinks: readonly string[],
  fingerprint: string | null | undefined,
  s: AbortSignal,
): Promise<void> {
  const resource = backendServiceResource(api.config, plan, groupLinks, fingerprint);
  const backendService = plan.names.backendService;
  return api.mutate(
    'regionBackendServices.update',
    backendService,
    REGION,
    (o) => api.backendServices.update({ ...api.regional, backendService, backendServiceResource: resource }, o),
    s,
  );
}

export function deleteBackendService(api: ComputeApi, name: string, s: AbortSignal): Promise<void> {
  return api.mutate(
    'regionBackendServices.delete',
    name,
    REGION,
    (o) => api.backendServices.delete({ ...api.regional, backendService: name }, o),
    s,
  );
}
