import type { Logger } from 'pino';
import type { Ec2Api } from './api/ec2.ts';
import type { Elbv2Api } from './api/elbv2.ts';
import type { AwsSpec } from './spec.ts';

/** What the ensure/delete/list steps share within one provider instance. */
export interface AwsContext {
  readonly elbv2: Elbv2Api;
  readonly ec2: Ec2Api;
  readonly spec: AwsSpec;
  readonly clusterName: string;
  readonly log: Logger;
  /** Subnets discovered by tag, per scheme, with the time they were read (a cheap cache, per instance). */
  readonly discoveredSubnets: Map<string, { subnets: string[]; vpcID: string; at: number }>;
  /** Discoveries under way, per scheme, shared by the Services that miss the cache together. */
  readonly discoveringSubnets: Map<string, Promise<{ subnets: string[]; vpcID: string }>>;
  /** Service UID → NLB name, learned in ensure, so delete finds NLBs with a custom name without a scan. */
  readonly nlbNames: Map<string, string>;
}

export const SUBNET_CACHE_MS = 5 * 60_000;
