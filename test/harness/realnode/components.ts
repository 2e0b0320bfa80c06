// The command lines of the node's processes (pure), beside the control plane's etcd and
// kube-apiserver. Every component's secure port that nobody calls is off, so none listens beyond
// what the node needs.
import { join } from 'node:path';
import type { NodeBinaries } from '../binaries.ts';
import type { ControlPlaneCerts } from '../certs.ts';
import { POD_CIDR, type NodeSpec } from './config.ts';
import { SERVICE_CIDR } from '../controlplane.ts';

export function containerdArgv(binaries: NodeBinaries, config: string): string[] {
  // containerd finds containerd-shim-runc-v2 on its PATH.
  return [
    'env',
    `PATH=${binaries.dir}:${process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin'}`,
    binaries.containerd,
    '--config',
    config,
  ];
}

export function kubeletArgv(binaries: NodeBinaries, node: NodeSpec, config: string, kubeconfig: string): string[] {
  return [
    binaries.kubelet,
    `--config=${config}`,
    `--kubeconfig=${kubeconfig}`,
    `--hostname-override=${node.name}`,
    `--node-ip=${node.ip}`,
    `--root-dir=${join(node.dir, 'kubelet')}`,
    '--v=1',
  ];
}

export function kubeProxyArgv(binaries: NodeBinaries, config: string): string[] {
  return [binaries.kubeProxy, `--config=${config}`, '--v=1'];
}

export function controllerManagerArgv(binaries: NodeBinaries, certs: ControlPlaneCerts, kubeconfig: string): string[] {
  return [
    binaries.kubeControllerManager,
    `--kubeconfig=${kubeconfig}`,
    `--service-account-private-key-file=${certs.serviceAccountKey}`,
    `--root-ca-file=${certs.caCert}`,
    '--use-service-account-credentials=true',
    `--cluster-cidr=${POD_CIDR}`,
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    '--leader-elect=false',
    '--secure-port=0',
    '--v=1',
  ];
}

export function schedulerArgv(binaries: NodeBinaries, kubeconfig: string): string[] {
  return [binaries.kubeScheduler, `--kubeconfig=${kubeconfig}`, '--leader-elect=false', '--secure-port=0', '--v=1'];
}
