// Writes of a load balancer's regional health check, each waited on until its operation is done.
import type { Plan } from '../plan.ts';
import type { GcpConfig } from '../spec.ts';
import { REGION, type ComputeApi } from './compute.ts';
import type { HealthCheck } from './lookups.ts';

export function healthCheckLink(config: GcpConfig, name: string): string {
  return `projects/${config.project}/regions/${config.region}/healthChecks/${name}`;
}

function healthCheckResource(plan: Plan): HealthCheck {
  const hc = plan.healthCheck;
  return {
    name: plan.names.healthCheck,
    description: plan.description,
    type: hc.type,
    checkIntervalSec: 8,
    timeoutSec: 1,
    healthyThreshold: 1,
    unhealthyThreshold: 3,
    ...(hc.type === 'TCP'
      ? { tcpHealthCheck: { port: hc.port } }
      : { httpHealthCheck: { port: hc.port, requestPath: hc.path } }),
  };
}

export function insertHealthCheck(api: ComputeApi, plan: Plan, s: AbortSignal): Promise<void> {
  const resource = healthCheckResource(plan);
  return api.mutate(
    'regionHealthChecks.insert',
    plan.names.healthCheck,
    REGION,
    (o) => api.healthChecks.insert({ ...api.regional, healthCheckResource: resource }, o),
    s,
  );
}

export function updateHealthCheck(api: ComputeApi, plan: Plan, s: AbortSignal): Promise<void> {
  const resource = healthCheckResource(plan);
  const healthCheck = plan.names.healthCheck;
  return api.mutate(
    'regionHealthChecks.update',
    healthCheck,
    REGION,
    (o) => api.healthChecks.update({ ...api.regional, healthCheck, healthCheckResource: resource }, o),
    s,
  );
}

export function deleteHealthCheck(api: ComputeApi, name: string, s: AbortSignal): Promise<void> {
  return api.mutate(
    'regionHealthChecks.delete',
    name,
    REGION,
    (o) => api.healthChecks.delete({ ...api.regional, healthCheck: name }, o),
    s,
  );
}
