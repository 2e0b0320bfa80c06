// The narrow seam between the provider and the AWS SDK: the few calls it needs, batched where
// AWS allows (20 ARNs per DescribeTags), each through AwsCaller (rate limit, count, retry).
import {
  AddTagsCommand,
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DeleteListenerCommand,
  DeleteLoadBalancerCommand,
  DeleteTargetGroupCommand,
  DeregisterTargetsCommand,
  DescribeListenersCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ModifyListenerCommand,
  ModifyLoadBalancerAttributesCommand,
  ModifyTargetGroupAttributesCommand,
  ModifyTargetGroupCommand,
  RegisterTargetsCommand,
  SetSecurityGroupsCommand,
  SetSubnetsCommand,
  type Listener,
  type LoadBalancer,
  type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateTagsCommand,
  DeleteSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  RevokeSecurityGroupIngressCommand,
  type Filter,
  type IpPermission,
  type SecurityGroup,
  type Subnet,
} from '@aws-sdk/client-ec2';
import { PermanentError } from '../../src/provider/errors/index.ts';
import { Batcher } from '../../src/provider/batcher.ts';
import type { AwsCaller } from './call.ts';
import type { AwsClients } from './clients.ts';
import { errorCode, isNotFound } from './aws-errors.ts';
import type { PlannedHealthCheck, PlannedListener, PlannedTarget, PlannedTargetGroup } from './plan.ts';
import { clusterTagKey, MANAGED_BY_KEY, MANAGED_BY_VALUE, SERVICE_UID_KEY, tagMap, toTagList } from './tags.ts';

export const DESCRIBE_BATCH = 20;

/** How long a Describe request waits for others to share its call (see batcher.ts). */
export const BATCH_WINDOW_MS = 5;

export interface ApiOptions {
  /**
   * Coalesce concurrent DescribeLoadBalancers (names), DescribeTags (ARNs) and DescribeSecurityGroups
   * (Service UIDs) across Services; false: one call each (the bench's "before").
   */
  readonly batching?: { readonly windowMs: number } | false;
}

/** AWS fails a whole Describe when one name or ARN is unknown or invalid: re-ask per Service then. */
function perCallerOnError(error: unknown): boolean {
  return error instanceof PermanentError || isNotFound(error);
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function healthCheckInput(h: PlannedHealthCheck) {
  return {
    HealthCheckEnabled: true,
    HealthCheckProtocol: h.protocol,
    HealthCheckPort: h.port,
    ...(h.path !== undefined && { HealthCheckPath: h.path, Matcher: { HttpCode: '200-399' } }),
    HealthCheckIntervalSeconds: h.intervalSeconds,
    HealthCheckTimeoutSeconds: h.timeoutSeconds,
    HealthyThresholdCount: h.healthyThreshold,
    UnhealthyThresholdCount: h.unhealthyThreshold,
  };
}

export class AwsApi {
  readonly #clients: AwsClients;
  readonly #caller: AwsCaller;

  readonly #lbByName: Batcher<string, LoadBalancer[]> | undefined;
  readonly #tags: Batcher<string, Record<string, string>> | undefined;
  readonly #batching: { readonly windowMs: number } | false;
  /** Per cluster name (one in practice): Service UID → its security groups. */
  readonly #groupsByUID = new Map<string, Batcher<string, SecurityGroup[]>>();

  constructor(clients: AwsClients, caller: AwsCaller, options: ApiOptions = {}) {
    this.#clients = clients;
    this.#caller = caller;
    const batching = options.batching ?? { windowMs: BATCH_WINDOW_MS };
    this.#batching = batching;
    if (batching !== false) {
      this.#lbByName = new Batcher({
        maxKeys: DESCRIBE_BATCH,
        windowMs: batching.windowMs,
        fetch: (names, signal) => this.#describeLoadBalancers(names, signal),
        perCallerOnError,
      });
      this.#tags = new Batcher({
        maxKeys: DESCRIBE_BATCH,
        windowMs: batching.windowMs,
        fetch: (arns, signal) => this.#describeTags(arns, signal),
        perCallerOnError,
      });
    }
  }

  #elb<T>(
    op: string,
    signal: AbortSignal,
    send: (c: AwsClients['elbv2'], o: { abortSignal: AbortSignal }) => Promise<T>,
  ): Promise<T> {
    return this.#caller.call(`elbv2:${op}`, signal, (abortSignal) => send(this.#clients.elbv2, { abortSignal }), {
      idempotent: !op.startsWith('Create'),
    });
  }

  #ec2<T>(
    op: string,
    signal: AbortSignal,
    send: (c: AwsClients['ec2'], o: { abortSignal: AbortSignal }) => Promise<T>,
  ): Promise<T> {
    return this.#caller.call(`ec2:${op}`, signal, (abortSignal) => send(this.#clients.ec2, { abortSignal }), {
      idempotent: op !== 'CreateSecurityGroup',
    });
  }

  // --- load balancers ---------------------------------------------------------------------------

  /** Network load balancers with this name; moto may hold several, AWS at most one. */
  async loadBalancersByName(name: string, signal: AbortSignal): Promise<LoadBalancer[]> {
    const found = this.#lbByName
      ? await this.#lbByName.load([name], signal)
      : await this.#describeLoadBalancers([name], signal);
    return found.get(name) ?? [];
  }

  /** One DescribeLoadBalancers for up to 20 names; a lone unknown name is an empty answer. */
  async #describeLoadBalancers(names: readonly string[], signal: AbortSignal): Promise<Map<string, LoadBalancer[]>> {
    const byName = new Map<string, LoadBalancer[]>();
    try {
      const out = await this.#elb('DescribeLoadBalancers', signal, (c, o) =>
        c.send(new DescribeLoadBalancersCommand({ Names: [...names] }), o),
      );
      for (const lb of out.LoadBalancers ?? []) {
        if (lb.Type !== 'network' || lb.LoadBalancerName === undefined || !names.includes(lb.LoadBalancerName))
          continue;
        byName.set(lb.LoadBalancerName, [...(byName.get(lb.LoadBalancerName) ?? []), lb]);
      }
      return byName;
    } catch (error) {
      // With several names AWS does not say which one is unknown: the batcher asks per Service.
      if (isNotFound(error) && names.length === 1) return byName;
      throw error;
    }
  }

  /** Every load balancer in the region, page by page. */
  async *allLoadBalancers(signal: AbortSignal): AsyncGenerator<LoadBalancer[]> {
    let marker: string | undefined;
    do {
      const out = await this.#elb('DescribeLoadBalancers', signal, (c, o) =>
        c.send(new DescribeLoadBalancersCommand({ PageSize: 400, ...(marker !== undefined && { Marker: marker }) }), o),
      );
      yield (out.LoadBalancers ?? []).filter((lb) => lb.Type === 'network');
      marker = out.NextMarker;
    } while (marker !== undefined && marker !== '');
  }

  async createLoadBalancer(
    input: {
      name: string;
      scheme: string;
      subnets: readonly string[];
      eipAllocations: readonly string[] | undefined;
      securityGroup: string;
      tags: Readonly<Record<string, string>>;
    },
    signal: AbortSignal,
  ): Promise<LoadBalancer> {
    const SubnetMappings = input.subnets.map((SubnetId, i) => {
      const AllocationId = input.eipAllocations?.[i];
      return AllocationId === undefined ? { SubnetId } : { SubnetId, AllocationId };
    });
    const out = await this.#elb('CreateLoadBalancer', signal, (c, o) =>
      c.send(
        new CreateLoadBalancerCommand({
          Name: input.name,
          Type: 'network',
          Scheme: input.scheme === 'internal' ? 'internal' : 'internet-facing',
          IpAddressType: 'ipv4',
          SubnetMappings,
          SecurityGroups: [input.securityGroup],
          Tags: toTagList(input.tags),
        }),
        o,
      ),
    );
    const lb = out.LoadBalancers?.[0];
    if (lb?.LoadBalancerArn === undefined)
      throw new Error(`CreateLoadBalancer ${input.name} returned no load balancer`);
    return lb;
  }

  async deleteLoadBalancer(arn: string, signal: AbortSignal): Promise<void> {
    try {
      await this.#elb('DeleteLoadBalancer', signal, (c, o) =>
        c.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn }), o),
      );
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  async setSubnets(arn: string, subnets: readonly string[], signal: AbortSignal): Promise<void> {
    await this.#elb('SetSubnets', signal, (c, o) =>
      c.send(new SetSubnetsCommand({ LoadBalancerArn: arn, Subnets: [...subnets] }), o),
    );
  }

  async setSecurityGroups(arn: string, groups: readonly string[], signal: AbortSignal): Promise<void> {
    await this.#elb('SetSecurityGroups', signal, (c, o) =>
      c.send(new SetSecurityGroupsCommand({ LoadBalancerArn: arn, SecurityGroups: [...groups] }), o),
    );
  }

  async loadBalancerAttributes(arn: string, signal: AbortSignal): Promise<Record<string, string>> {
    const out = await this.#elb('DescribeLoadBalancerAttributes', signal, (c, o) =>
      c.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: arn }), o),
    );
    return Object.fromEntries((out.Attributes ?? []).map((a) => [a.Key ?? '', a.Value ?? '']));
  }

  async modifyLoadBalancerAttributes(
    arn: string,
    attributes: Readonly<Record<string, string>>,
    signal: AbortSignal,
  ): Promise<void> {
    const Attributes = Object.entries(attributes).map(([Key, Value]) => ({ Key, Value }));
    await this.#elb('ModifyLoadBalancerAttributes', signal, (c, o) =>
      c.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: arn, Attributes }), o),
    );
  }

  // --- tags --------------------------------------------------------------------------------------

  /** Tags of up to any number of ELBv2 resources, 20 ARNs per call. A vanished ARN has no entry. */
  async tagsOf(arns: readonly string[], signal: AbortSignal): Promise<Map<string, Record<string, string>>> {
    const result = new Map<string, Record<string, string>>();
    for (const batch of chunks(arns, DESCRIBE_BATCH)) {
      const found = this.#tags ? await this.#tags.load(batch, signal) : await this.#describeTags(batch, signal);
      for (const [arn, tags] of found) result.set(arn, tags);
    }
    return result;
  }

  async #describeTags(arns: readonly string[], signal: AbortSignal): Promise<Map<string, Record<string, string>>> {
    const out = await this.#elb('DescribeTags', signal, (c, o) =>
      c.send(new DescribeTagsCommand({ ResourceArns: [...arns] }), o),
    );
    const result = new Map<string, Record<string, string>>();
    for (const d of out.TagDescriptions ?? [])
      if (d.ResourceArn !== undefined) result.set(d.ResourceArn, tagMap(d.Tags));
    return result;
  }

  async addTags(arns: readonly string[], tags: Readonly<Record<string, string>>, signal: AbortSignal): Promise<void> {
    for (const batch of chunks(arns, DESCRIBE_BATCH)) {
      await this.#elb('AddTags', signal, (c, o) =>
        c.send(new AddTagsCommand({ ResourceArns: batch, Tags: toTagList(tags) }), o),
      );
    }
  }

  // --- listeners ---------------------------------------------------------------------------------

  async listeners(loadBalancerArn: string, signal: AbortSignal): Promise<Listener[]> {
    const all: Listener[] = [];
    let marker: string | undefined;
    do {
      const out = await this.#elb('DescribeListeners', signal, (c, o) =>
        c.send(
          new DescribeListenersCommand({
            LoadBalancerArn: loadBalancerArn,
            ...(marker !== undefined && { Marker: marker }),
          }),
          o,
        ),
      );
      all.push(...(out.Listeners ?? []));
      marker = out.NextMarker;
    } while (marker !== undefined && marker !== '');
    return all;
  }

  async createListener(
    loadBalancerArn: string,
    l: PlannedListener,
    targetGroupArn: string,
    tags: Readonly<Record<string, string>>,
    signal: AbortSignal,
  ): Promise<void> {
    await this.#elb('CreateListener', signal, (c, o) =>
      c.send(
        new CreateListenerCommand({
          LoadBalancerArn: loadBalancerArn,
          Port: l.port,
          Protocol: l.protocol,
          DefaultActions: [{ Type: 'forward', TargetGroupArn: targetGroupArn }],
          Tags: toTagList(tags),
        }),
        o,
      ),
    );
  }

  async modifyListener(
    listenerArn: string,
    l: PlannedListener,
    targetGroupArn: string,
    signal: AbortSignal,
  ): Promise<void> {
    await this.#elb('ModifyListener', signal, (c, o) =>
      c.send(
        new ModifyListenerCommand({
          ListenerArn: listenerArn,
          Port: l.port,
          Protocol: l.protocol,
          DefaultActions: [{ Type: 'forward', TargetGroupArn: targetGroupArn }],
        }),
        o,
      ),
    );
  }

  async deleteListener(listenerArn: string, signal: AbortSignal): Promise<void> {
    try {
      await this.#elb('DeleteListener', signal, (c, o) =>
        c.send(new DeleteListenerCommand({ ListenerArn: listenerArn }), o),
      );
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  // --- target groups -----------------------------------------------------------------------------

  async targetGroupsOf(loadBalancerArn: string, signal: AbortSignal): Promise<TargetGroup[]> {
    try {
      const out = await this.#elb('DescribeTargetGroups', signal, (c, o) =>
        c.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: loadBalancerArn }), o),
      );
      return out.TargetGroups ?? [];
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
  }

  async targetGroupsByName(name: string, signal: AbortSignal): Promise<TargetGroup[]> {
    try {
      const out = await this.#elb('DescribeTargetGroups', signal, (c, o) =>
        c.send(new DescribeTargetGroupsCommand({ Names: [name] }), o),
      );
      return (out.TargetGroups ?? []).filter((tg) => tg.TargetGroupName === name);
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
  }

  async *allTargetGroups(signal: AbortSignal): AsyncGenerator<TargetGroup[]> {
    let marker: string | undefined;
    do {
      const out = await this.#elb('DescribeTargetGroups', signal, (c, o) =>
        c.send(new DescribeTargetGroupsCommand({ PageSize: 400, ...(marker !== undefined && { Marker: marker }) }), o),
      );
      yield out.TargetGroups ?? [];
      marker = out.NextMarker;
    } while (marker !== undefined && marker !== '');
  }

  async createTargetGroup(
    tg: PlannedTargetGroup,
    vpcID: string,
    tags: Readonly<Record<string, string>>,
    signal: AbortSignal,
  ): Promise<TargetGroup> {
    const out = await this.#elb('CreateTargetGroup', signal, (c, o) =>
      c.send(
        new CreateTargetGroupCommand({
          Name: tg.name,
          Protocol: tg.protocol,
          Port: tg.nodePort,
          VpcId: vpcID,
          TargetType: 'instance',
          ...healthCheckInput(tg.healthCheck),
          Tags: toTagList(tags),
        }),
        o,
      ),
    );
    const created = out.TargetGroups?.[0];
    if (created?.TargetGroupArn === undefined) throw new Error(`CreateTargetGroup ${tg.name} returned no target group`);
    return created;
  }

  async modifyTargetGroupHealthCheck(arn: string, h: PlannedHealthCheck, signal: AbortSignal): Promise<void> {
    await this.#elb('ModifyTargetGroup', signal, (c, o) =>
      c.send(new ModifyTargetGroupCommand({ TargetGroupArn: arn, ...healthCheckInput(h) }), o),
    );
  }

  /** Deletes a target group; `false` when AWS still holds it (its load balancer is being deleted). */
  async deleteTargetGroup(arn: string, signal: AbortSignal): Promise<void> {
    try {
      await this.#elb('DeleteTargetGroup', signal, (c, o) =>
        c.send(new DeleteTargetGroupCommand({ TargetGroupArn: arn }), o),
      );
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  async targetGroupAttributes(arn: string, signal: AbortSignal): Promise<Record<string, string>> {
    const out = await this.#elb('DescribeTargetGroupAttributes', signal, (c, o) =>
      c.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: arn }), o),
    );
    return Object.fromEntries((out.Attributes ?? []).map((a) => [a.Key ?? '', a.Value ?? '']));
  }

  async modifyTargetGroupAttributes(
    arn: string,
    attributes: Readonly<Record<string, string>>,
    signal: AbortSignal,
  ): Promise<void> {
    const Attributes = Object.entries(attributes).map(([Key, Value]) => ({ Key, Value }));
    await this.#elb('ModifyTargetGroupAttributes', signal, (c, o) =>
      c.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: arn, Attributes }), o),
    );
  }

  async registeredTargets(arn: string, signal: AbortSignal): Promise<PlannedTarget[]> {
    const out = await this.#elb('DescribeTargetHealth', signal, (c, o) =>
      c.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }), o),
    );
    return (out.TargetHealthDescriptions ?? []).flatMap((d) =>
      d.Target?.Id !== undefined && d.Target.Port !== undefined
        ? [{ instanceID: d.Target.Id, port: d.Target.Port }]
        : [],
    );
  }

  async registerTargets(arn: string, targets: readonly PlannedTarget[], signal: AbortSignal): Promise<void> {
    const Targets = targets.map((t) => ({ Id: t.instanceID, Port: t.port }));
    await this.#elb('RegisterTargets', signal, (c, o) =>
      c.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets }), o),
    );
  }

  async deregisterTargets(arn: string, targets: readonly PlannedTarget[], signal: AbortSignal): Promise<void> {
    const Targets = targets.map((t) => ({ Id: t.instanceID, Port: t.port }));
    await this.#elb('DeregisterTargets', signal, (c, o) =>
      c.send(new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets }), o),
    );
  }

  // --- EC2: subnets and security groups ----------------------------------------------------------

  async subnets(
    filters: Filter[] | undefined,
    ids: readonly string[] | undefined,
    signal: AbortSignal,
  ): Promise<Subnet[]> {
    const all: Subnet[] = [];
    let token: string | undefined;
    do {
      const out = await this.#ec2('DescribeSubnets', signal, (c, o) =>
        c.send(
          new DescribeSubnetsCommand({
            ...(filters !== undefined && { Filters: filters }),
            ...(ids !== undefined && { SubnetIds: [...ids] }),
            ...(token !== undefined && { NextToken: token }),
          }),
          o,
        ),
      );
      all.push(...(out.Subnets ?? []));
      token = out.NextToken;
    } while (token !== undefined && token !== '');
    return all;
  }

  /** Security groups tagged as owned by this cluster for the Service with this UID. */
  async ownedSecurityGroups(clusterName: string, serviceUID: string, signal: AbortSignal): Promise<SecurityGroup[]> {
    if (this.#batching === false)
      return (await this.#securityGroupsOf(clusterName, [serviceUID], signal)).get(serviceUID) ?? [];
    let batcher = this.#groupsByUID.get(clusterName);
    if (batcher === undefined) {
      batcher = new Batcher({
        maxKeys: DESCRIBE_BATCH,
        windowMs: this.#batching.windowMs,
        fetch: (uids, s) => this.#securityGroupsOf(clusterName, uids, s),
        perCallerOnError,
      });
      this.#groupsByUID.set(clusterName, batcher);
    }
    return (await batcher.load([serviceUID], signal)).get(serviceUID) ?? [];
  }

  /** One DescribeSecurityGroups (and its pages) for several Services, filtered by their UID tags. */
  async #securityGroupsOf(
    clusterName: string,
    uids: readonly string[],
    signal: AbortSignal,
  ): Promise<Map<string, SecurityGroup[]>> {
    const groups = await this.securityGroups(
      [
        { Name: `tag:${SERVICE_UID_KEY}`, Values: [...uids] },
        { Name: `tag:${clusterTagKey(clusterName)}`, Values: ['owned'] },
        { Name: `tag:${MANAGED_BY_KEY}`, Values: [MANAGED_BY_VALUE] },
      ],
      signal,
    );
    const byUID = new Map<string, SecurityGroup[]>();
    for (const g of groups) {
      const uid = tagMap(g.Tags)[SERVICE_UID_KEY];
      if (uid !== undefined) byUID.set(uid, [...(byUID.get(uid) ?? []), g]);
    }
    return byUID;
  }

  async securityGroups(filters: Filter[], signal: AbortSignal): Promise<SecurityGroup[]> {
    const all: SecurityGroup[] = [];
    let token: string | undefined;
    do {
      const out = await this.#ec2('DescribeSecurityGroups', signal, (c, o) =>
        c.send(
          new DescribeSecurityGroupsCommand({ Filters: filters, ...(token !== undefined && { NextToken: token }) }),
          o,
        ),
      );
      all.push(...(out.SecurityGroups ?? []));
      token = out.NextToken;
    } while (token !== undefined && token !== '');
    return all;
  }

  async createSecurityGroup(
    name: string,
    description: string,
    vpcID: string,
    tags: Readonly<Record<string, string>>,
    signal: AbortSignal,
  ): Promise<string> {
    const out = await this.#ec2('CreateSecurityGroup', signal, (c, o) =>
      c.send(
        new CreateSecurityGroupCommand({
          GroupName: name,
          Description: description,
          VpcId: vpcID,
          TagSpecifications: [{ ResourceType: 'security-group', Tags: toTagList(tags) }],
        }),
        o,
      ),
    );
    if (out.GroupId === undefined) throw new Error(`CreateSecurityGroup ${name} returned no group ID`);
    return out.GroupId;
  }

  async createTags(resourceID: string, tags: Readonly<Record<string, string>>, signal: AbortSignal): Promise<void> {
    await this.#ec2('CreateTags', signal, (c, o) =>
      c.send(new CreateTagsCommand({ Resources: [resourceID], Tags: toTagList(tags) }), o),
    );
  }

  async authorizeIngress(groupID: string, permissions: IpPermission[], signal: AbortSignal): Promise<void> {
    try {
      await this.#ec2('AuthorizeSecurityGroupIngress', signal, (c, o) =>
        c.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupID, IpPermissions: permissions }), o),
      );
    } catch (error) {
      // A retry after a lost answer finds the rules already there.
      if (errorCode(error) !== 'InvalidPermission.Duplicate') throw error;
    }
  }

  async revokeIngress(groupID: string, permissions: IpPermission[], signal: AbortSignal): Promise<void> {
    await this.#ec2('RevokeSecurityGroupIngress', signal, (c, o) =>
      c.send(new RevokeSecurityGroupIngressCommand({ GroupId: groupID, IpPermissions: permissions }), o),
    );
  }

  async deleteSecurityGroup(groupID: string, signal: AbortSignal): Promise<void> {
    try {
      await this.#ec2('DeleteSecurityGroup', signal, (c, o) =>
        c.send(new DeleteSecurityGroupCommand({ GroupId: groupID }), o),
      );
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
}
