// The objects bench/scale.bench.ts creates: Services and Nodes of a realistic size (labels and
// annotations as charts and cloud node agents set them, Node status as a kubelet reports it).
import type { V1Node, V1NodeStatus, V1Service } from '@kubernetes/client-node';

export const SCALE_NAMESPACES = 20;
export const LOAD_BALANCER_CLASS = 'cloudlb.dev/bench';

export interface ServicePlan {
  readonly namespace: string;
  readonly name: string;
  readonly loadBalancer: boolean;
  /** Created by server-side apply (fieldManager "helm"), so its managedFields are what SSA writes. */
  readonly serverSideApply: boolean;
}

/** Service `index` of the cluster: one in `lbEvery` a LoadBalancer, one in `ssaEvery` applied server-side. */
export function servicePlan(index: number, lbEvery: number, ssaEvery: number): ServicePlan {
  return {
    namespace: `team-${String(index % SCALE_NAMESPACES).padStart(2, '0')}`,
    name: `svc-${String(index).padStart(5, '0')}`,
    loadBalancer: index % lbEvery === 0,
    // Shifted by one every lbEvery, so LoadBalancer and ClusterIP Services are both split.
    serverSideApply: (index + Math.floor(index / lbEvery)) % ssaEvery === 0,
  };
}

export function serviceBody(plan: Pick<ServicePlan, 'namespace' | 'name' | 'loadBalancer'>): V1Service {
  const app = plan.name;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: plan.name,
      namespace: plan.namespace,
      labels: {
        app,
        'app.kubernetes.io/name': app,
        'app.kubernetes.io/instance': `${app}-prod`,
        'app.kubernetes.io/part-of': plan.namespace,
        'app.kubernetes.io/managed-by': 'Helm',
        'helm.sh/chart': `${app}-1.4.2`,
      },
      annotations: {
        'meta.helm.sh/release-name': `${app}-prod`,
        'meta.helm.sh/release-namespace': plan.namespace,
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': '9090',
      },
    },
    spec: plan.loadBalancer
      ? {
          type: 'LoadBalancer',
          loadBalancerClass: LOAD_BALANCER_CLASS,
          selector: { 'app.kubernetes.io/name': app },
          ports: [
            { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' },
            { name: 'https', port: 443, targetPort: 8443, protocol: 'TCP' },
          ],
        }
      : {
          type: 'ClusterIP',
          selector: { 'app.kubernetes.io/name': app },
          ports: [
            { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' },
            { name: 'metrics', port: 9090, targetPort: 9090, protocol: 'TCP' },
          ],
        },
  };
}

export const nodeName = (index: number): string => `node-${String(index).padStart(4, '0')}`;

export function nodeBody(index: number): V1Node {
  const name = nodeName(index);
  const zone = `bench-zone-${String.fromCharCode(97 + (index % 3))}`;
  return {
    metadata: {
      name,
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'node.kubernetes.io/instance-type': 'm6i.xlarge',
        'topology.kubernetes.io/region': 'bench-region',
        'topology.kubernetes.io/zone': zone,
        'node-role.kubernetes.io/worker': '',
      },
      annotations: {
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
    },
    spec: { providerID: `test:///${zone}/${name}`, podCIDR: `10.${100 + Math.floor(index / 250)}.${index % 250}.0/24` },
  };
}

export function nodeStatus(index: number): V1NodeStatus {
  const at = new Date();
  const condition = (type: string, status: string, reason: string) => ({
    type,
    status,
    reason,
    message: `kubelet reports ${reason}`,
    lastHeartbeatTime: at,
    lastTransitionTime: at,
  });
  const resources = { cpu: '4', memory: '16073548Ki', pods: '110', 'ephemeral-storage': '101430960Ki' };
  return {
    addresses: [
      { type: 'InternalIP', address: `10.99.${Math.floor(index / 250)}.${(index % 250) + 1}` },
      { type: 'Hostname', address: nodeName(index) },
    ],
    capacity: resources,
    allocatable: { ...resources, cpu: '3920m', memory: '15371148Ki' },
    conditions: [
      condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory'),
      condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure'),
      condition('PIDPressure', 'False', 'KubeletHasSufficientPID'),
      condition('Ready', 'True', 'KubeletReady'),
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      architecture: 'amd64',
      bootID: `boot-${index}`,
      containerRuntimeVersion: 'containerd://2.1.4',
      kernelVersion: '6.8.0-1031-aws',
      kubeProxyVersion: 'v1.34.4',
      kubeletVersion: 'v1.34.4',
      machineID: `machine-${index}`,
      operatingSystem: 'linux',
      osImage: 'Ubuntu 24.04.3 LTS',
      systemUUID: `uuid-${index}`,
    },
    images: ['pause:3.10', 'kube-proxy:v1.34.4', 'coredns:v1.12.0', 'node-exporter:v1.9.1', 'app:1.4.2'].map(
      (image) => ({
        names: [
          `registry.example/${image}`,
          `registry.example/${image.split(':')[0] ?? image}@sha256:${'0'.repeat(64)}`,
        ],
        sizeBytes: 25_000_000,
      }),
    ),
  };
}
