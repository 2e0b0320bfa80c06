// The provider contract: what the controller asks of a cloud, and nothing more.
// The controller never imports a provider; a provider never sees a Service object, only the
// cloud-neutral DesiredLoadBalancer that the controller built from the Service and its Nodes.

export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];

export type Scheme = 'External' | 'Internal';
export const SCHEMES: readonly Scheme[] = ['External', 'Internal'];

export type AddressFamily = 'IPv4' | 'IPv6';

export interface SchemeCapabilities {
  readonly protocols: readonly Protocol[];
}

/** What a provider can carry. Pure data, reported in LoadBalancerProvider.status.capabilities. */
export interface Capabilities {
  /** A scheme the provider cannot build at all is undefined. */
  readonly schemes: Readonly<Record<Scheme, SchemeCapabilities | undefined>>;
  /** TCP and UDP on one load balancer. */
  readonly mixedProtocols: boolean;
  /** What status.loadBalancer.ingress carries: an IP or a DNS hostname. */
  readonly addressKind: 'IP' | 'Hostname';
  /** spec.loadBalancerSourceRanges is enforced. */
  readonly sourceRanges: boolean;
  /** spec.loadBalancerIP (or the provider's address annotation) is honoured. */
  readonly staticAddress: boolean;
  /** Targets are nodes on their node ports: allocateLoadBalancerNodePorts=false cannot work. */
  readonly needsNodePorts: boolean;
  /**
   * A port without a node port is sent straight to its endpoints (pod IPs from the Service's
   * EndpointSlices), which the controller then hands over in Listener.endpoints. The operator
   * watches EndpointSlices only while some provider of such a type exists.
   */
  readonly endpointTargets: boolean;
  /** The families a requested address (spec.loadBalancerIP) may be of. */
  readonly addressFamilies: readonly AddressFamily[];
  /** The most listeners (ports) one load balancer can have; absent when the provider has no limit. */
  readonly maxListeners?: number;
}

/** Who owns a cloud resource. Every resource a provider creates carries all of it. */
export interface Ownership {
  readonly clusterName: string;
  readonly serviceNamespace: string;
  readonly serviceName: string;
  readonly serviceUID: string;
}

/** Identifies one Service's load balancer in a cloud. Deterministic from cluster name + Service UID. */
export interface LoadBalancerRef {
  /**
   * Cloud-neutral base name, `<cluster>-<uid-hash>` style, [a-z0-9-], at most 32 chars.
   * Providers derive their own resource names from it within their cloud's rules.
   */
  readonly name: string;
  readonly ownership: Ownership;
}

export interface Listener {
  /** Service port name, when it has one. */
  readonly name?: string;
  readonly port: number;
  readonly protocol: Protocol;
  /** 0 when the Service has no node port for it (allocateLoadBalancerNodePorts: false). */
  readonly nodePort: number;
  /**
   * Only for a port without a node port, given to a provider with `endpointTargets`: the ready
   * endpoints of this Service port, sorted. Empty when none is ready.
   */
  readonly endpoints?: readonly Endpoint[];
}

/** A pod (or whatever backs the Service) as the Service port reaches it: its IP and target port. */
export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

export type NodeAddressType = 'InternalIP' | 'ExternalIP' | 'Hostname' | 'InternalDNS' | 'ExternalDNS';

export interface NodeAddress {
  readonly type: NodeAddressType;
  readonly address: string;
}

/** An eligible node behind the load balancer. */
export interface Target {
  readonly nodeName: string;
  /** spec.providerID, e.g. aws:///us-east-1a/i-0123 or gce://project/zone/name. */
  readonly providerID?: string;
  readonly addresses: readonly NodeAddress[];
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * Why a node cannot be a target of this provider, as a closed set (the metric's `reason` label):
 * no or a malformed spec.providerID, an instance of another cloud/region/project, an instance the
 * cloud does not have, or (local) no address to forward to.
 */
export type TargetProblemKind = 'noProviderID' | 'malformedProviderID' | 'elsewhere' | 'instanceNotFound' | 'noAddress';
export const TARGET_PROBLEM_KINDS: readonly TargetProblemKind[] = [
  'noProviderID',
  'malformedProviderID',
  'elsewhere',
  'instanceNotFound',
  'noAddress',
];

export interface TargetProblem {
  readonly kind: TargetProblemKind;
  /** A few words for the Service's message, e.g. "no spec.providerID", "instance i-0123 does not exist". */
  readonly reason: string;
}

/** A node the load balancer does not carry, and why. */
export interface SkippedTarget extends TargetProblem {
  readonly nodeName: string;
}

/**
 * How the cloud decides a node is healthy. `TrafficPort`: a TCP connect to each listener's node
 * port. `HTTP`: kube-proxy's health endpoint for externalTrafficPolicy: Local.
 */
export type HealthCheck =
  { readonly kind: 'TrafficPort' } | { readonly kind: 'HTTP'; readonly port: number; readonly path: string };

/**
 * What one Service wants from the cloud, after the capability check removed what cannot be carried.
 * `O`: the provider's own options, as its `interpret` parsed them from the Service's annotations.
 */
export interface DesiredLoadBalancer<O = unknown> extends LoadBalancerRef {
  readonly scheme: Scheme;
  /** Only the ports the provider can carry; at least one. */
  readonly listeners: readonly Listener[];
  /** Eligible nodes, sorted by name. May be empty (the LB exists, with no backends). */
  readonly targets: readonly Target[];
  readonly healthCheck: HealthCheck;
  /** CIDRs from spec.loadBalancerSourceRanges; empty = anywhere. */
  readonly sourceRanges: readonly string[];
  /** spec.loadBalancerIP or a provider annotation, when the user asked for one. */
  readonly requestedAddress?: string;
  /** Interpretation.options, carried unread by the controller: the provider parses annotations once. */
  readonly options: O;
}

export interface IngressPoint {
  readonly ip?: string;
  readonly hostname?: string;
  /** 'VIP' when traffic arrives with the LB's IP as destination; 'Proxy' when a proxy terminates it. */
  readonly ipMode?: 'VIP' | 'Proxy';
}

export interface LoadBalancerStatus {
  readonly ingress: readonly IngressPoint[];
  /** A sentence for the Service's event: what exists now, e.g. "NLB k8s-x with listeners 80/TCP, 53/UDP". */
  readonly summary: string;
  /** True when ensure changed anything in the cloud. Drives Ensured vs Updated events and the "zero writes" tests. */
  readonly changed: boolean;
  /**
   * Targets `ensure` received but left out after reading the cloud (an instance that does not
   * exist). Those `targetProblem` names never reach `ensure`. Absent = none.
   */
  readonly skippedTargets?: readonly SkippedTarget[];
  /**
   * Listeners the cloud refused for good while the others were made (the local provider cannot
   * bind a port below 1024 without privileges). They are not retried until something changes;
   * the controller shows them as refused ports. Absent = none.
   */
  readonly refusedListeners?: readonly RefusedListener[];
}

/** A listener the provider could not make, and why, in words that say what to do about it. */
export interface RefusedListener {
  readonly port: number;
  readonly protocol: Protocol;
  /** "binding a port below 1024 needs …" */
  readonly reason: string;
}

/** A problem with user input, found without any cloud call. Becomes a Warning event and a condition. */
export interface FieldProblem {
  /** The field as a user writes it: `metadata.annotations[service.beta.kubernetes.io/aws-load-balancer-scheme]`. */
  readonly field: string;
  /** One sentence naming what is allowed. */
  readonly message: string;
}

/** What a provider reads from a Service's annotations before any cloud call. */
export interface Interpretation<O = unknown> {
  readonly scheme: Scheme;
  /** A static address requested through a provider annotation (spec.loadBalancerIP is read by the controller). */
  readonly requestedAddress?: string;
  /** The provider's typed settings from its annotations; `undefined` for a provider that has none. */
  readonly options: O;
  readonly problems: readonly FieldProblem[];
}

/** `O`: the provider's options type (Interpretation.options); the controller holds providers as `unknown`. */
export interface LoadBalancerProvider<O = unknown> {
  /** The registry's type name (e.g. 'aws'): the key of the spec block in the LoadBalancerProvider CRD. */
  readonly type: string;

  /** Pure; no cloud call. */
  capabilities(): Capabilities;

  /**
   * Pure; no cloud call. Parses this provider's annotations (malformed or unknown values become
   * problems naming the annotation and what it accepts), picks the scheme and returns the typed
   * options that `ensure` later receives in `lb.options`.
   */
  interpret(annotations: Readonly<Record<string, string>>): Interpretation<O>;

  /**
   * Pure; no cloud call. Why this node cannot be one of this provider's targets (no or a foreign
   * spec.providerID, no address), or undefined when it can. The controller leaves such nodes out
   * of `lb.targets` and names them on the Service. Absent = every node can be a target.
   */
  targetProblem?(target: Target): TargetProblem | undefined;

  /**
   * Makes the cloud match `lb`: creates what is missing, changes what differs, removes what is no
   * longer wanted, touches nothing that is right. Diffs against what it reads; never recreates
   * because a read failed. Idempotent. Throws RetryAfterError while the cloud is still
   * provisioning, PermanentError for input the cloud will never accept, anything else is transient.
   */
  ensure(lb: DesiredLoadBalancer<O>, signal: AbortSignal): Promise<LoadBalancerStatus>;

  /**
   * Deletes everything this provider created for `ref` and owns (by tag/label), in dependency
   * order. Resolves when all is gone, including when it was gone already. Never touches a resource
   * that does not carry `ref`'s ownership.
   */
  delete(ref: LoadBalancerRef, signal: AbortSignal): Promise<void>;

  /** Every load balancer this cluster owns in this provider's account/project, for the orphan sweep. */
  listOwned(signal: AbortSignal): AsyncIterable<LoadBalancerRef>;

  /** Releases clients, sockets, timers. The instance is not used afterwards. */
  close(): Promise<void>;
}
