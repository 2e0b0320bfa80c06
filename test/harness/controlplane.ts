import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CRD_NAME, loadBalancerProviderCrd, type CrdProvider } from '../../src/api/crd.ts';
import { GROUP, KIND, VERSION } from '../../src/api/loadbalancerprovider.ts';
import { BUILTIN_PROVIDERS } from '../../src/provider/builtin.ts';
import { findBinaries, type ControlPlaneBinaries } from './binaries.ts';
import { generateCerts, type ControlPlaneCerts } from './certs.ts';
import { exec, type ExecResult } from './exec.ts';
import { freePort } from './free-port.ts';
import { eventually } from './wait.ts';

export interface ControlPlaneOptions {
  /**
   * Install the LoadBalancerProvider CRD, generated for these provider types (true, the default:
   * the builtin ones, as crds/ ships it; the test run adds its in-memory type), and wait until the
   * API server serves it. false: no CRD.
   */
  readonly crds?: boolean | readonly CrdProvider[];
  /**
   * Keep running after this process exits (`make cluster`). Otherwise each server runs under a
   * small reaper that ends it when this process goes away, even on SIGKILL.
   */
  readonly detached?: boolean;
  /** Where to put data, certs, logs and the kubeconfig (default: a new temp folder, removed on stop). */
  readonly dir?: string;
  /** Print progress lines to stderr. */
  readonly verbose?: boolean;
  /**
   * Serve on this machine-local address and port instead of a free 127.0.0.1 port, for a real
   * node: its kubelet, kube-proxy and pods (through the `kubernetes` Service, KUBERNETES_SERVICE_IP)
   * reach the API server there. The certificates name both addresses, the Node authorizer admits
   * kubelets, and the API server calls kubelets with the admin certificate.
   */
  readonly listen?: { readonly address: string; readonly port: number };
}

/** The Service range of every control plane here; its first address is the `kubernetes` Service. */
export const SERVICE_CIDR = '10.96.0.0/16';
export const KUBERNETES_SERVICE_IP = '10.96.0.1';

export interface ControlPlane {
  readonly kubeconfigPath: string;
  readonly server: string;
  readonly dir: string;
  readonly binaries: ControlPlaneBinaries;
  /** The CA (to sign more clients with certs.ts `clientCert(dir, …)`), admin and service-account keys. */
  readonly certs: ControlPlaneCerts;
  /** PIDs of the reapers that own etcd and kube-apiserver (what `make cluster-down` ends). */
  readonly pids: readonly number[];
  /** The real kubectl against this control plane. */
  kubectl(args: readonly string[], options?: { input?: string }): Promise<ExecResult>;
  stop(): Promise<void>;
}

// A reaper between us and each server: it forwards SIGTERM, and ends the server when the parent
// PID disappears, so an interrupted test run leaves no etcd or kube-apiserver behind. `grace`
// seconds pass before it does: etcd's reaper gives kube-apiserver time to shut down first.
const REAPER = `
parent=$1; grace=$2; shift 2
"$@" & child=$!
trap 'kill -TERM $child 2>/dev/null; wait $child; exit 0' TERM INT
while kill -0 "$parent" 2>/dev/null && kill -0 $child 2>/dev/null; do sleep 1 & wait $!; done
if kill -0 $child 2>/dev/null; then sleep "$grace" & wait $!; fi
kill -TERM $child 2>/dev/null; wait $child
`;

export function startServer(
  name: string,
  argv: readonly string[],
  dir: string,
  parentPid: number,
  graceSeconds: number,
): number {
  const logFd = openSync(join(dir, `${name}.log`), 'a');
  const child = spawn('bash', ['-c', REAPER, 'reaper', String(parentPid), String(graceSeconds), ...argv], {
    stdio: ['ignore', logFd, logFd],
    detached: true,
  });
  closeSync(logFd);
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${name}`);
  return child.pid;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Ends the reapers (each ends its server) one at a time, last started first: kube-apiserver shuts
 * down in about two seconds while etcd is still there, but hangs retrying when etcd goes first.
 * SIGKILL to a reaper's process group after 10 s.
 */
export async function stopPids(pids: readonly number[]): Promise<void> {
  for (const pid of [...pids].reverse()) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      continue; // already gone
    }
    const deadline = Date.now() + 10_000;
    while (alive(pid) && Date.now() < deadline) await sleep(50);
    if (!alive(pid)) continue;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

async function httpsGet(url: string, certs: ControlPlaneCerts): Promise<{ status: number; body: string }> {
  const [ca, cert, key] = await Promise.all([
    readFile(certs.caCert),
    readFile(certs.adminCert),
    readFile(certs.adminKey),
  ]);
  return await new Promise((resolve, reject) => {
    const req = request(url, { ca, cert, key, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function waitReady(
  server: string,
  certs: ControlPlaneCerts,
  dir: string,
  pids: readonly number[],
): Promise<void> {
  const deadline = Date.now() + 120_000;
  let last = '';
  while (Date.now() < deadline) {
    if (!pids.every(alive)) break;
    try {
      const res = await httpsGet(`${server}/readyz`, certs);
      if (res.status === 200) return;
      last = `${res.status} ${res.body.slice(0, 500)}`;
    } catch (error) {
      last = String(error);
    }
    await sleep(250);
  }
  const apiLog = await readFile(join(dir, 'kube-apiserver.log'), 'utf8').catch(() => '');
  const etcdLog = await readFile(join(dir, 'etcd.log'), 'utf8').catch(() => '');
  throw new Error(
    `kube-apiserver did not become ready (${last})\n--- etcd.log (tail)\n${etcdLog.slice(-2000)}\n--- kube-apiserver.log (tail)\n${apiLog.slice(-4000)}`,
  );
}

/** A kubeconfig with the client certificate and key embedded (a user's, or one component's). */
export async function writeKubeconfig(
  path: string,
  server: string,
  caCert: string,
  client: { readonly cert: string; readonly key: string },
): Promise<void> {
  const b64 = async (file: string): Promise<string> => (await readFile(file)).toString('base64');
  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'cloudlb-test', cluster: { server, 'certificate-authority-data': await b64(caCert) } }],
    users: [
      {
        name: 'cloudlb-admin',
        user: {
          'client-certificate-data': await b64(client.cert),
          'client-key-data': await b64(client.key),
        },
      },
    ],
    contexts: [{ name: 'cloudlb-test', context: { cluster: 'cloudlb-test', user: 'cloudlb-admin' } }],
    'current-context': 'cloudlb-test',
  };
  await writeFile(path, JSON.stringify(kubeconfig, null, 2), { mode: 0o600 });
}

/**
 * Applies the LoadBalancerProvider CRD generated for `providers` (replacing one applied before,
 * e.g. by deploy/), and returns once the API server validates with it: an empty spec is refused
 * with the exactly-one-of message that names every one of these types.
 */
export async function installCrds(
  cluster: Pick<ControlPlane, 'kubectl'>,
  providers: readonly CrdProvider[],
): Promise<void> {
  const kubectl = cluster.kubectl.bind(cluster);
  const crd = loadBalancerProviderCrd(providers);
  const applied = await kubectl(['apply', '--server-side', '-f', '-'], { input: JSON.stringify(crd) });
  if (applied.code !== 0) throw new Error(`installing the CRD failed: ${applied.stderr}`);
  const waited = await kubectl(['wait', '--for=condition=Established', 'crd', CRD_NAME, '--timeout=60s']);
  if (waited.code !== 0) throw new Error(`CRD not Established: ${waited.stderr}`);
  const rule = `exactly one of ${providers.map((p) => `spec.${p.type}`).join(', ')} must be set`;
  const probe = JSON.stringify({
    apiVersion: `${GROUP}/${VERSION}`,
    kind: KIND,
    metadata: { name: 'crd-probe' },
    spec: {},
  });
  await eventually(
    async () => {
      const refused = await kubectl(['create', '--dry-run=server', '-f', '-'], { input: probe });
      if (!refused.stderr.includes(rule)) throw new Error(`not yet served: ${refused.stderr}`);
    },
    { timeoutMs: 60_000, message: `the API server never validated with the new CRD (${rule})` },
  );
}

/** Starts etcd and kube-apiserver on free 127.0.0.1 ports with generated certificates and RBAC. */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const say = (line: string): void => {
    if (options.verbose === true) process.stderr.write(`[control-plane] ${line}\n`);
  };
  const binaries = await findBinaries();
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'cloudlb-cp-')));
  await mkdir(dir, { recursive: true });
  const listen = options.listen;
  const certs = await generateCerts(dir, listen === undefined ? [] : [listen.address, KUBERNETES_SERVICE_IP]);
  const [etcdPort, peerPort] = [await freePort(), await freePort()];
  const apiPort = listen?.port ?? (await freePort());
  const apiAddress = listen?.address ?? '127.0.0.1';
  const parentPid = options.detached === true ? 1 : process.pid;
  const pids: number[] = [];
  const server = `https://${apiAddress}:${apiPort}`;
  const kubeconfigPath = join(dir, 'kubeconfig');

  const kubectl: ControlPlane['kubectl'] = async (args, opts = {}) =>
    await exec(binaries.kubectl, ['--kubeconfig', kubeconfigPath, ...args], {
      ...(opts.input === undefined ? {} : { input: opts.input }),
    });
  const stop = async (): Promise<void> => {
    await stopPids(pids);
    if (options.dir === undefined) await rm(dir, { recursive: true, force: true });
  };

  try {
    say(`starting etcd on 127.0.0.1:${etcdPort}`);
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    pids.push(
      startServer(
        'etcd',
        [
          binaries.etcd,
          '--name=default',
          `--data-dir=${join(dir, 'etcd-data')}`,
          `--listen-client-urls=${etcdUrl}`,
          `--advertise-client-urls=${etcdUrl}`,
          `--listen-peer-urls=${peerUrl}`,
          `--initial-advertise-peer-urls=${peerUrl}`,
          `--initial-cluster=default=${peerUrl}`,
          '--unsafe-no-fsync', // test data: durability is not wanted, speed is
          '--log-level=warn',
        ],
        dir,
        parentPid,
        5,
      ),
    );
    say(`starting kube-apiserver on ${server}`);
    pids.push(
      startServer(
        'kube-apiserver',
        [
          binaries.kubeApiserver,
          `--etcd-servers=${etcdUrl}`,
          `--bind-address=${apiAddress}`,
          `--advertise-address=${apiAddress}`,
          `--secure-port=${apiPort}`,
          `--tls-cert-file=${certs.servingCert}`,
          `--tls-private-key-file=${certs.servingKey}`,
          `--client-ca-file=${certs.caCert}`,
          `--service-account-issuer=${server}`,
          `--service-account-key-file=${certs.serviceAccountPub}`,
          `--service-account-signing-key-file=${certs.serviceAccountKey}`,
          ...(listen === undefined
            ? ['--authorization-mode=RBAC']
            : [
                '--authorization-mode=Node,RBAC',
                `--kubelet-client-certificate=${certs.adminCert}`,
                `--kubelet-client-key=${certs.adminKey}`,
                // never a DNS lookup of a node's name: kubelets are reached on their node IP
                '--kubelet-preferred-address-types=InternalIP',
              ]),
          // Large enough for the 1000-Service benchmark: ClusterIPs and node ports are allocated for real.
          `--service-cluster-ip-range=${SERVICE_CIDR}`,
          '--service-node-port-range=30000-45000',
          `--cert-dir=${join(dir, 'apiserver-certs')}`,
          '--profiling=false',
          '--v=1',
        ],
        dir,
        parentPid,
        0,
      ),
    );
    await waitReady(server, certs, dir, pids);
    await writeKubeconfig(kubeconfigPath, server, certs.caCert, { cert: certs.adminCert, key: certs.adminKey });
    say('ready');
    const controlPlane: ControlPlane = { kubeconfigPath, server, dir, binaries, certs, pids, kubectl, stop };
    if (options.crds !== false) {
      await installCrds(
        controlPlane,
        options.crds === true || options.crds === undefined ? BUILTIN_PROVIDERS : options.crds,
      );
      say('CRDs established');
    }
    return controlPlane;
  } catch (error) {
    await stop();
    throw error;
  }
}
