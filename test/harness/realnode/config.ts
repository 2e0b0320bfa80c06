// The configuration files of a real node, as pure functions of its addresses and folder
// (after the settings that ran here: /work/shared/docs/realnode/). Nothing in them reaches
// beyond this machine: node IPs sit on a bridge with no ports, pods on another, and pod routes
// lead only to the Service range, the pod range and the node IPs.
import { join } from 'node:path';
import { PAUSE_REFERENCE } from '../../../scripts/image/pause.ts';
import { SERVICE_CIDR } from '../controlplane.ts';

/** The bridge that holds the node IPs and nothing else (the kernel here has no `dummy` links). */
export const NODE_BRIDGE = 'clbnodes0';
/** The bridge every node's pods are plugged into. */
export const POD_BRIDGE = 'clbpods0';
export const POD_CIDR = '10.244.0.0/16';
export const API_PORT = 6443;
/** Comment on every netfilter rule of ours. */
export const RULE_TAG = 'cloudlb-realnode';

export interface NodeSpec {
  /** Node name and hostname override. */
  readonly name: string;
  readonly ip: string;
  /** This node's part of POD_CIDR, and the gateway address it puts on POD_BRIDGE. */
  readonly podSubnet: string;
  readonly podGateway: string;
  /** The node's own folder: containerd root and state, kubelet root, CNI state, pod logs. */
  readonly dir: string;
  /** kubelet's cgroupRoot: every pod cgroup lives below it, in every hierarchy. */
  readonly cgroupRoot: string;
}

/** Node n (1-based): 10.250.0.n, pods in 10.244.(n-1).0/24. */
export function nodeSpec(n: number, clusterDir: string): NodeSpec {
  const name = n === 1 ? 'realnode' : `realnode-${n}`;
  return {
    name,
    ip: `10.250.0.${n}`,
    podSubnet: `10.244.${n - 1}.0/24`,
    podGateway: `10.244.${n - 1}.1`,
    dir: join(clusterDir, name),
    cgroupRoot: `/cloudlb-${name}`,
  };
}

export const containerdSocket = (node: NodeSpec): string => join(node.dir, 'run', 'containerd', 'containerd.sock');

export function containerdConfig(node: NodeSpec, runc: string, cniBinDir: string): string {
  const d = node.dir;
  return `version = 3
root = "${d}/containerd/root"
state = "${d}/run/containerd"
[grpc]
  address = "${containerdSocket(node)}"
[ttrpc]
  address = "${containerdSocket(node)}.ttrpc"
[plugins.'io.containerd.cri.v1.images']
  snapshotter = "overlayfs"
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = "${PAUSE_REFERENCE}"
[plugins.'io.containerd.cri.v1.runtime']
  enable_selinux = false
  disable_apparmor = true
  # root here lacks CAP_SYS_RESOURCE: a negative oom_score_adj fails in runc
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  [plugins.'io.containerd.cri.v1.runtime'.containerd]
    default_runtime_name = "runc"
    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
        BinaryName = "${runc}"
        Root = "${d}/run/runc"
        SystemdCgroup = false
  [plugins.'io.containerd.cri.v1.runtime'.cni]
    bin_dirs = ["${cniBinDir}"]
    conf_dir = "${d}/cni/net.d"
    max_conf_num = 1
[plugins.'io.containerd.grpc.v1.cri']
  stream_server_address = "127.0.0.1"
[plugins.'io.containerd.internal.v1.opt']
  path = "${d}/containerd/opt"
`;
}

/** The bridge plugin on POD_BRIDGE; routes only to the Service range, the other pods and the nodes. */
export function cniConfig(node: NodeSpec, nodes: readonly NodeSpec[]): object {
  const routes = [SERVICE_CIDR, ...(nodes.length > 1 ? [POD_CIDR] : []), ...nodes.map((n) => `${n.ip}/32`)];
  return {
    cniVersion: '1.0.0',
    name: 'realnode',
    plugins: [
      {
        type: 'bridge',
        bridge: POD_BRIDGE,
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          dataDir: join(node.dir, 'cni', 'ipam'),
          ranges: [[{ subnet: node.podSubnet, gateway: node.podGateway }]],
          routes: routes.map((dst) => ({ dst })),
        },
      },
    ],
  };
}

export interface KubeletPaths {
  readonly caCert: string;
  readonly resolvConf: string;
}

export function kubeletConfig(node: NodeSpec, paths: KubeletPaths): object {
  return {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    failCgroupV1: false, // kubelet >= 1.31 refuses cgroup v1 unless told; this machine is hybrid
    cgroupDriver: 'cgroupfs', // no systemd here
    cgroupRoot: node.cgroupRoot,
    containerRuntimeEndpoint: `unix://${containerdSocket(node)}`,
    address: node.ip,
    port: 10250,
    readOnlyPort: 0,
    healthzBindAddress: node.ip,
    healthzPort: 10248,
    authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: paths.caCert } },
    authorization: { mode: 'Webhook' },
    clusterDomain: 'cluster.local',
    clusterDNS: ['10.96.0.10'],
    resolvConf: paths.resolvConf,
    podLogsDir: join(node.dir, 'pod-logs'),
    failSwapOn: false,
    protectKernelDefaults: false,
    serializeImagePulls: false,
    maxPods: 30,
    evictionHard: { 'memory.available': '200Mi', 'nodefs.available': '5%', 'imagefs.available': '5%' },
    imageGCHighThresholdPercent: 95,
    imageGCLowThresholdPercent: 90,
    volumePluginDir: join(node.dir, 'kubelet', 'volume-plugins'),
  };
}

/** One kube-proxy for every node: they share this machine's network namespace and its iptables. */
export function kubeProxyConfig(nodes: readonly NodeSpec[], kubeconfig: string): object {
  const first = nodes[0];
  if (first === undefined) throw new Error('kube-proxy needs a node');
  return {
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    clientConnection: { kubeconfig },
    hostnameOverride: first.name,
    mode: 'iptables',
    clusterCIDR: POD_CIDR,
    nodePortAddresses: nodes.map((n) => `${n.ip}/32`),
    bindAddress: first.ip,
    metricsBindAddress: '127.0.0.1:10249',
    healthzBindAddress: '127.0.0.1:10256',
    iptables: { localhostNodePorts: false },
    // zeros: kube-proxy leaves the machine's conntrack settings alone
    conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
  };
}

/**
 * The settings kubelet (vm.*, kernel.*) and the bridge plugin (ip_forward) change, and the one we
 * set (bridged pod traffic through iptables, for kube-proxy): recorded first, restored at teardown.
 */
export const TOUCHED_SYSCTLS = [
  'vm.overcommit_memory',
  'vm.panic_on_oom',
  'kernel.panic',
  'kernel.panic_on_oops',
  'kernel.keys.root_maxkeys',
  'kernel.keys.root_maxbytes',
  'net.ipv4.ip_forward',
  'net.ipv4.conf.all.forwarding',
  'net.bridge.bridge-nf-call-iptables',
  'net.ipv4.conf.all.route_localnet',
  'net.netfilter.nf_conntrack_max',
] as const;

/** Paths kubelet, containerd and CNI use whatever they are told. */
export const FIXED_PATHS = [
  '/var/lib/kubelet/device-plugins',
  '/var/log/containers',
  '/var/lib/cni',
  '/run/containerd',
];
