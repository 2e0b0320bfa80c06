import type { ComputeApi } from './api/compute.ts';
import type { Lookups } from './api/lookups.ts';
import type { InstanceGroups } from './instance-groups.ts';

/** What the last full ensure of a load balancer established, to tell a node-only change apart. */
export interface Memo {
  readonly shape: string;
  readonly membership: string;
  readonly ip: string;
}

/** What the ensure/delete/list steps share within one provider instance. */
export interface GcpContext {
  readonly api: ComputeApi;
  readonly lookups: Lookups;
  readonly groups: InstanceGroups;
  readonly clusterName: string;
  /** By load balancer name; dropped before each ensure and on delete, set after a success. */
  readonly memos: Map<string, Memo>;
}
