// The narrow seam to ELBv2: the few calls the provider needs, each through the cloud-call seam
// (rate limit, count, retry); DescribeLoadBalancers by name and DescribeTags batched across Services.
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
  type ElasticLoadBalancingV2Client,
  type Listener,
  type LoadBalancer,
  type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { Batcher } from '../../../src/provider/batcher.ts';
import type { CloudCaller } from '../../../src/provider/cloud-call.ts';
import { isNotFound } from '../errors.ts';
import { tagMap, toTagList } from '../ownership.ts';
import type { PlannedHealthCheck, PlannedListener, PlannedTarget, PlannedTargetGroup } from '../plan.ts';
import {
  allPages,
  batchingOf,
  chunks,
  DESCRIBE_BATCH,
  perCallerOnError,
  sender,
  type ApiOptions,
  type Send,
  unlessGone,
} from './shared.ts';

type Attributes = Readonly<Record<string, string>>;

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

function attributeMap(list: readonly { Key?: string | undefined; Value?: string | undefined }[] | undefined) {
  return Object.fromEntries((list ?? []).map((a) => [a.Key ?? '', a.Value ?? '']));
}

function attributeList(attributes: Attributes) {
  return Object.entries(attributes).map(([Key, Value]) => ({ Key, Value }));
}

export class Elbv2Api {
  readonly #send: Send<ElasticLoadBalancingV2Client>;
  readonly #lbByName: Batcher<string, LoadBalancer[]> | undefined;
  readonly #tags: Batcher<string, Record<string, string>> | undefined;

  constructor(client: ElasticLoadBalancingV2Client, caller: CloudCaller, options: ApiOptions = {}) {
    // A create whose answer was lost may have happened: it is retried only when AWS surely refused it.
    this.#send = sender('elbv2', client, caller, (op) => !op.startsWith('Create'));
    const batching = batchingOf(options);
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
      const out = await this.#send('DescribeLoadBalancers', signal, (c, o) =>
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
      const out = await this.#send('DescribeLoadBalancers', signal, (c, o) =>
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
    const out = await this.#send('CreateLoadBalancer', signal, (c, o) =>
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

  deleteLoadBalancer(arn: string, signal: AbortSignal): Promise<void> {
    return unlessGone(
      this.#send('DeleteLoadBalancer', signal, (c, o) =>
        c.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn }), o),
      ),
    );
  }

  async setSubnets(arn: string, subnets: readonly string[], signal: AbortSignal): Promise<void> {
    await this.#send('SetSubnets', signal, (c, o) =>
      c.send(new SetSubnetsCommand({ LoadBalancerArn: arn, Subnets: [...subnets] }), o),
    );
  }

  async setSecurityGroups(arn: string, groups: readonly string[], signal: AbortSignal): Promise<void> {
    await this.#send('SetSecurityGroups', signal, (c, o) =>
      c.send(new SetSecurityGroupsCommand({ LoadBalancerArn: arn, SecurityGroups: [...groups] }), o),
    );
  }

  async loadBalancerAttributes(arn: string, signal: AbortSignal): Promise<Record<string, string>> {
    const out = await this.#send('DescribeLoadBalancerAttributes', signal, (c, o) =>
      c.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: arn }), o),
    );
    return attributeMap(out.Attributes);
  }

  async modifyLoadBalancerAttributes(arn: string, attributes: Attributes, signal: AbortSignal): Promise<void> {
    await this.#send('ModifyLoadBalancerAttributes', signal, (c, o) =>
      c.send(
        new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: arn, Attributes: attributeList(attributes) }),
        o,
      ),
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
    const out = await this.#send('DescribeTags', signal, (c, o) =>
      c.send(new DescribeTagsCommand({ ResourceArns: [...arns] }), o),
    );
    const result = new Map<string, Record<string, string>>();
    for (const d of out.TagDescriptions ?? [])
      if (d.ResourceArn !== undefined) result.set(d.ResourceArn, tagMap(d.Tags));
    return result;
  }

  async addTags(arns: readonly string[], tags: Readonly<Record<string, string>>, signal: AbortSignal): Promise<void> {
    for (const batch of chunks(arns, DESCRIBE_BATCH)) {
      await this.#send('AddTags', signal, (c, o) =>
        c.send(new AddTagsCommand({ ResourceArns: batch, Tags: toTagList(tags) }), o),
      );
    }
  }

  // --- listeners ---------------------------------------------------------------------------------

  listeners(loadBalancerArn: string, signal: AbortSignal): Promise<Listener[]> {
    return allPages(async (marker) => {
      const out = await this.#send('DescribeListeners', signal, (c, o) =>
        c.send(
          new DescribeListenersCommand({
            LoadBalancerArn: loadBalancerArn,
            ...(marker !== undefined && { Marker: marker }),
          }),
          o,
        ),
      );
      return { items: out.Listeners ?? [], next: out.NextMarker };
    });
  }

  async createListener(
    loadBalancerArn: string,
    l: PlannedListener,
    targetGroupArn: string,
    tags: Readonly<Record<string, string>>,
    signal: AbortSignal,
  ): Promise<void> {
    await this.#send('CreateListener', signal, (c, o) =>
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
    await this.#send('ModifyListener', signal, (c, o) =>
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

  deleteListener(listenerArn: string, signal: AbortSignal): Promise<void> {
    return unlessGone(
      this.#send('DeleteListener', signal, (c, o) =>
        c.send(new DeleteListenerCommand({ ListenerArn: listenerArn }), o),
      ),
    );
  }

  // --- target groups -----------------------------------------------------------------------------

  async targetGroupsOf(loadBalancerArn: string, signal: AbortSignal): Promise<TargetGroup[]> {
    try {
      const out = await this.#send('DescribeTargetGroups', signal, (c, o) =>
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
      const out = await this.#send('DescribeTargetGroups', signal, (c, o) =>
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
      const out = await this.#send('DescribeTargetGroups', signal, (c, o) =>
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
    const out = await this.#send('CreateTargetGroup', signal, (c, o) =>
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
    await this.#send('ModifyTargetGroup', signal, (c, o) =>
      c.send(new ModifyTargetGroupCommand({ TargetGroupArn: arn, ...healthCheckInput(h) }), o),
    );
  }

  deleteTargetGroup(arn: string, signal: AbortSignal): Promise<void> {
    return unlessGone(
      this.#send('DeleteTargetGroup', signal, (c, o) =>
        c.send(new DeleteTargetGroupCommand({ TargetGroupArn: arn }), o),
      ),
    );
  }

  async targetGroupAttributes(arn: string, signal: AbortSignal): Promise<Record<string, string>> {
    const out = await this.#send('DescribeTargetGroupAttributes', signal, (c, o) =>
      c.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: arn }), o),
    );
    return attributeMap(out.Attributes);
  }

  async modifyTargetGroupAttributes(arn: string, attributes: Attributes, signal: AbortSignal): Promise<void> {
    await this.#send('ModifyTargetGroupAttributes', signal, (c, o) =>
      c.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: arn, Attributes: attributeList(attributes) }), o),
    );
  }

  async registeredTargets(arn: string, signal: AbortSignal): Promise<PlannedTarget[]> {
    const out = await this.#send('DescribeTargetHealth', signal, (c, o) =>
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
    await this.#send('RegisterTargets', signal, (c, o) =>
      c.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets }), o),
    );
  }

  async deregisterTargets(arn: string, targets: readonly PlannedTarget[], signal: AbortSignal): Promise<void> {
    const Targets = targets.map((t) => ({ Id: t.instanceID, Port: t.port }));
    await this.#send('DeregisterTargets', signal, (c, o) =>
      c.send(new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets }), o),
    );
  }
}
