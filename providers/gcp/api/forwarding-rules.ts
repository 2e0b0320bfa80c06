// Writes of a load balancer's regional forwarding rules, each waited on until its operation is done.
import type { Plan, PlannedRule } from '../plan.ts';
import { backendServiceLink } from './backend-services.ts';
import { REGION, type ComputeApi } from './compute.ts';
import type { ForwardingRule } from './lookups.ts';

export function insertRule(api: ComputeApi, plan: Plan, rule: PlannedRule, ip: string, s: AbortSignal): Promise<void> {
  const { network, subnetwork } = api.config;
  const forwardingRuleResource: ForwardingRule = {
    name: rule.name,
    description: plan.description,
    labels: { ...plan.labels },
    IPAddress: ip,
    IPProtocol: rule.protocol,
    ...(rule.allPorts ? { allPorts: true } : { ports: rule.ports.map(String) }),
    backendService: backendServiceLink(api.config, plan.names.backendService),
    loadBalancingScheme: plan.scheme,
    ...(plan.scheme === 'INTERNAL' ? { network, ...(subnetwork ? { subnetwork } : {}) } : {}),
  };
  return api.mutate(
    'forwardingRules.insert',
    rule.name,
    REGION,
    (o) => api.forwardingRules.insert({ ...api.regional, forwardingRuleResource }, o),
    s,
  );
}

export function deleteRule(api: ComputeApi, name: string, s: AbortSignal): Promise<void> {
  return api.mutate(
    'forwardingRules.delete',
    name,
    REGION,
    (o) => api.forwardingRules.delete({ ...api.regional, forwardingRule: name }, o),
    s,
  );
}
