/**
 * Goes on a Service before the first cloud write; comes off only after a successful delete.
 * Upstream's name (KEP 980, k8s.io/cloud-provider's service controller): the e2e suite and
 * users' runbooks look for it.
 */
export const FINALIZER = 'service.kubernetes.io/load-balancer-cleanup';

/** What earlier versions wrote instead of FINALIZER: honoured, and swapped for it on the next reconcile. */
export const LEGACY_FINALIZER = 'cloudlb.dev/load-balancer-cleanup';

/**
 * Goes on every LoadBalancerProvider; comes off only once no Service has a load balancer through
 * it (our finalizer + PROVIDER_ANNOTATION naming it), as kubernetes.io/pv-protection does for volumes.
 */
export const PROVIDER_FINALIZER = 'cloudlb.dev/provider-protection';

/**
 * Which LoadBalancerProvider built this Service's load balancer. Written together with the
 * finalizer, because spec.loadBalancerClass is wiped when the type changes away from
 * LoadBalancer and the default provider can change: cleanup must still know whom to ask.
 */
export const PROVIDER_ANNOTATION = 'cloudlb.dev/provider';

/** The Service condition that summarises the load balancer. */
export const CONDITION_TYPE = 'LoadBalancerReady';

export const LOAD_BALANCER_TYPE = 'LoadBalancer';

/** Event reasons: the upstream service controller's, which users already know. */
export const Reason = {
  Ensuring: 'EnsuringLoadBalancer',
  Ensured: 'EnsuredLoadBalancer',
  Updated: 'UpdatedLoadBalancer',
  SyncFailed: 'SyncLoadBalancerFailed',
  Deleting: 'DeletingLoadBalancer',
  Deleted: 'DeletedLoadBalancer',
  DeleteFailed: 'DeleteLoadBalancerFailed',
  Unavailable: 'UnAvailableLoadBalancer',
  /** Ours: upstream skips such nodes silently. One event per Service naming them all, not one per node. */
  NodesNotTargets: 'NodesNotTargets',
} as const;

/** Label and taint that take a node out of every load balancer (upstream semantics). */
export const EXCLUDE_LABEL = 'node.kubernetes.io/exclude-from-external-load-balancers';
export const TO_BE_DELETED_TAINT = 'ToBeDeletedByClusterAutoscaler';
