// Writes of a load balancer's (global) firewalls, each waited on until its operation is done.
import type { Plan, PlannedFirewall } from '../plan.ts';
import { GLOBAL, type ComputeApi } from './compute.ts';
import type { Firewall } from './lookups.ts';

function firewallResource(api: ComputeApi, plan: Plan, fw: PlannedFirewall): Firewall {
  return {
    name: fw.name,
    description: plan.description,
    network: api.config.network,
    direction: 'INGRESS',
    priority: 1000,
    sourceRanges: [...fw.sourceRanges],
    allowed: fw.allowed.map((a) => ({ IPProtocol: a.IPProtocol, ports: [...a.ports] })),
  };
}

export function insertFirewall(api: ComputeApi, plan: Plan, fw: PlannedFirewall, s: AbortSignal): Promise<void> {
  const resource = firewallResource(api, plan, fw);
  return api.mutate(
    'firewalls.insert',
    fw.name,
    GLOBAL,
    (o) => api.firewalls.insert({ project: api.config.project, firewallResource: resource }, o),
    s,
  );
}

export function updateFirewall(api: ComputeApi, plan: Plan, fw: PlannedFirewall, s: AbortSignal): Promise<void> {
  const resource = firewallResource(api, plan, fw);
  return api.mutate(
    'firewalls.update',
    fw.name,
    GLOBAL,
    (o) => api.firewalls.update({ project: api.config.project, firewall: fw.name, firewallResource: resource }, o),
    s,
  );
}

export function deleteFirewall(api: ComputeApi, name: string, s: AbortSignal): Promise<void> {
  return api.mutate(
    'firewalls.delete',
    name,
    GLOBAL,
    (o) => api.firewalls.delete({ project: api.config.project, firewall: name }, o),
    s,
  );
}
