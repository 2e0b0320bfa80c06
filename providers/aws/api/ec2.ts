// The narrow seam to EC2: subnets and the NLB's security group, each call through the cloud-call
// seam (rate limit, count, retry); DescribeSecurityGroups by Service UID batched across Services.
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateTagsCommand,
  DeleteSecurityGroupCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  RevokeSecurityGroupIngressCommand,
  type EC2Client,
  type Filter,
  type IpPermission,
  type SecurityGroup,
  type Subnet,
} from '@aws-sdk/client-ec2';
import { Batcher } from '../../../src/provider/batcher.ts';
import type { CloudCaller } from '../../../src/provider/cloud-call.ts';
import { errorCode } from '../errors.ts';
import { clusterTagKey, MANAGED_BY_KEY, MANAGED_BY_VALUE, SERVICE_UID_KEY, tagMap, toTagList } from '../ownership.ts';
import type { SecurityGroupRule } from '../plan.ts';
import {
  allPages,
  batchingOf,
  DESCRIBE_BATCH,
  perCallerOnError,
  sender,
  type ApiOptions,
  type Send,
  unlessGone,
} from './shared.ts';

/** Flattens EC2's nested permissions into one rule per (protocol, port, CIDR). */
export function rulesFromPermissions(permissions: readonly IpPermission[] | undefined): SecurityGroupRule[] {
  const out: SecurityGroupRule[] = [];
  for (const p of permissions ?? []) {
    const protocol = p.IpProtocol;
    if ((protocol !== 'tcp' && protocol !== 'udp') || p.FromPort === undefined || p.FromPort !== p.ToPort) {
      out.push({
        protocol: 'tcp',
        port: -1,
        cidr: `unexpected:${protocol ?? ''}:${p.FromPort ?? ''}-${p.ToPort ?? ''}`,
      });
      continue;
    }
    for (const r of p.IpRanges ?? [])
      if (r.CidrIp !== undefined) out.push({ protocol, port: p.FromPort, cidr: r.CidrIp });
    for (const r of p.Ipv6Ranges ?? [])
      if (r.CidrIpv6 !== undefined) out.push({ protocol, port: p.FromPort, cidr: r.CidrIpv6 });
  }
  return out;
}

/** Rules → EC2 permissions, one permission per (protocol, port). */
export function permissionsFromRules(rules: readonly SecurityGroupRule[]): IpPermission[] {
  const grouped = new Map<string, { protocol: string; port: number; cidrs: string[] }>();
  for (const r of rules) {
    const key = `${r.protocol}:${r.port}`;
    const g = grouped.get(key) ?? { protocol: r.protocol, port: r.port, cidrs: [] };
    g.cidrs.push(r.cidr);
    grouped.set(key, g);
  }
  return [...grouped.values()].map((g) => ({
    IpProtocol: g.protocol,
    FromPort: g.port,
    ToPort: g.port,
    IpRanges: g.cidrs.filter((c) => !c.includes(':')).map((CidrIp) => ({ CidrIp })),
    Ipv6Ranges: g.cidrs.filter((c) => c.includes(':')).map((CidrIpv6) => ({ CidrIpv6 })),
  }));
}

/** Instance IDs per DescribeInstances: AWS takes up to 1000 values in one filter. */
export const INSTANCE_BATCH = 1000;

export class Ec2Api {
  readonly #send: Send<EC2Client>;
  readonly #batching: { readonly windowMs: number } | false;
  /** Per cluster name (one in practice): Service UID → its security groups. */
  readonly #groupsByUID = new Map<string, Batcher<string, SecurityGroup[]>>();

  constructor(client: EC2Client, caller: CloudCaller, options: ApiOptions = {}) {
    // A create whose answer was lost may have happened: it is retried only when AWS surely refused it.
    this.#send = sender('ec2', client, caller, (op) => op !== 'CreateSecurityGroup');
    this.#batching = batchingOf(options);
  }

  subnets(filters: Filter[] | undefined, ids: readonly string[] | undefined, signal: AbortSignal): Promise<Subnet[]> {
    return allPages(async (token) => {
      const out = await this.#send('DescribeSubnets', signal, (c, o) =>
        c.send(
          new DescribeSubnetsCommand({
            ...(filters !== undefined && { Filters: filters }),
            ...(ids !== undefined && { SubnetIds: [...ids] }),
            ...(token !== undefined && { NextToken: token }),
          }),
          o,
        ),
      );
      return { items: out.Subnets ?? [], next: out.NextToken };
    });
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

  /**
   * State name (running, stopped, terminated…) of each of these instances that exists; an ID
   * AWS does not know is absent. Filtered by instance-id, not InstanceIds, because one unknown ID
   * in InstanceIds fails the whole call. At most INSTANCE_BATCH IDs per call.
   */
  async instanceStates(ids: readonly string[], signal: AbortSignal): Promise<Map<string, string>> {
    const states = new Map<string, string>();
    for (let start = 0; start < ids.length; start += INSTANCE_BATCH) {
      const chunk = ids.slice(start, start + INSTANCE_BATCH);
      const reservations = await allPages(async (token) => {
        const out = await this.#send('DescribeInstances', signal, (c, o) =>
          c.send(
            new DescribeInstancesCommand({
              Filters: [{ Name: 'instance-id', Values: [...chunk] }],
              ...(token !== undefined && { NextToken: token }),
            }),
            o,
          ),
        );
        return { items: out.Reservations ?? [], next: out.NextToken };
      });
      for (const instance of reservations.flatMap((r) => r.Instances ?? []))
        if (instance.InstanceId !== undefined) states.set(instance.InstanceId, instance.State?.Name ?? 'unknown');
    }
    return states;
  }

  securityGroups(filters: Filter[], signal: AbortSignal): Promise<SecurityGroup[]> {
    return allPages(async (token) => {
      const out = await this.#send('DescribeSecurityGroups', signal, (c, o) =>
        c.send(
          new DescribeSecurityGroupsCommand({ Filters: filters, ...(token !== undefined && { NextToken: token }) }),
          o,
        ),
      );
      return { items: out.SecurityGroups ?? [], next: out.NextToken };
    });
  }

  async createSecurityGroup(
    name: string,
    description: string,
    vpcID: string,
    tags: Readonly<Record<string, string>>,
    signal: AbortSignal,
  ): Promise<string> {
    const out = await this.#send('CreateSecurityGroup', signal, (c, o) =>
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
    await this.#send('CreateTags', signal, (c, o) =>
      c.send(new CreateTagsCommand({ Resources: [resourceID], Tags: toTagList(tags) }), o),
    );
  }

  async authorizeIngress(groupID: string, rules: readonly SecurityGroupRule[], signal: AbortSignal): Promise<void> {
    try {
      await this.#send('AuthorizeSecurityGroupIngress', signal, (c, o) =>
        c.send(
          new AuthorizeSecurityGroupIngressCommand({ GroupId: groupID, IpPermissions: permissionsFromRules(rules) }),
          o,
        ),
      );
    } catch (error) {
      // A retry after a lost answer finds the rules already there.
      if (errorCode(error) !== 'InvalidPermission.Duplicate') throw error;
    }
  }

  async revokeIngress(groupID: string, rules: readonly SecurityGroupRule[], signal: AbortSignal): Promise<void> {
    await this.#send('RevokeSecurityGroupIngress', signal, (c, o) =>
      c.send(
        new RevokeSecurityGroupIngressCommand({ GroupId: groupID, IpPermissions: permissionsFromRules(rules) }),
        o,
      ),
    );
  }

  deleteSecurityGroup(groupID: string, signal: AbortSignal): Promise<void> {
    return unlessGone(
      this.#send('DeleteSecurityGroup', signal, (c, o) =>
        c.send(new DeleteSecurityGroupCommand({ GroupId: groupID }), o),
      ),
    );
  }
}
