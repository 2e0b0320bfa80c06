// Shared set-up for provider tests: a GCE fake, the real @google-cloud/compute client pointed at
// it, builders for DesiredLoadBalancer values, and service-account keys.
import { generateKeyPairSync } from 'node:crypto';
import { PassThroughClient } from 'google-auth-library';
import { InstancesClient } from '@google-cloud/compute';
import type { DesiredLoadBalancer, Listener, Target } from '../../src/provider/contract.ts';
import { silentLogger } from '../../src/log.ts';
import { ComputeApi } from '../../providers/gcp/api/compute.ts';
import { GcpProvider } from '../../providers/gcp/provider.ts';
import { parseSpec } from '../../providers/gcp/spec.ts';
import { startGceFake, type GceFake } from '../gce-fake/server.ts';
import { desiredLoadBalancer } from '../support/desired.ts';

export const PROJECT = 'test-project';
export const REGION = 'europe-west1';
export const CLUSTER = 'test-cluster';

export interface Rig {
  readonly fake: GceFake;
  readonly provider: GcpProvider;
  readonly calls: Map<string, number>;
  newProvider(options?: { verifiedTtlMs?: number; cluster?: string }): GcpProvider;
  createInstance(zone: string, name: string): Promise<void>;
  mutatingCalls(): number;
  close(): Promise<void>;
}

const MUTATING = /\.(insert|delete|update|patch|addInstances|removeInstances)$/;

export async function rig(options: { verifiedTtlMs?: number } = {}): Promise<Rig> {
  const fake = await startGceFake({ operationLatencyMs: 5 });
  const calls = new Map<string, number>();
  const providers: GcpProvider[] = [];
  const newProvider = (o: { verifiedTtlMs?: number; cluster?: string } = {}): GcpProvider => {
    const config = parseSpec({
      project: PROJECT,
      region: REGION,
      endpoint: fake.endpoint,
      rateLimit: { qps: 1000, burst: 1000 },
    });
    const api = new ComputeApi(config, {
      authClient: new PassThroughClient(),
      countCall: (op) => calls.set(op, (calls.get(op) ?? 0) + 1),
      log: silentLogger(),
      retry: { retries: 6, minTimeoutMs: 5, maxTimeoutMs: 50 },
    });
    const context = {
      providerName: 'gcp',
      clusterName: o.cluster ?? CLUSTER,
      credentials: undefined,
      log: silentLogger(),
      countCall: () => {},
    };
    const p = new GcpProvider(api, context, { verifiedTtlMs: o.verifiedTtlMs ?? options.verifiedTtlMs ?? 60_000 });
    providers.push(p);
    return p;
  };
  const provider = newProvider();
  const instances = new InstancesClient({
    apiEndpoint: '127.0.0.1',
    port: fake.port,
    protocol: 'http',
    authClient: new PassThroughClient(),
  });
  return {
    fake,
    provider,
    calls,
    newProvider,
    async createInstance(zone, name) {
      const [op] = await instances.insert({
        project: PROJECT,
        zone,
        instanceResource: { name, machineType: `zones/${zone}/machineTypes/e2-small` },
      });
      void op;
    },
    mutatingCalls: () => [...calls].filter(([k]) => MUTATING.test(k)).reduce((s, [, v]) => s + v, 0),
    async close() {
      await Promise.all(providers.map((p) => p.close()));
      await instances.close();
      await fake.stop();
    },
  };
}

export function target(zone: string, name: string): Target {
  return {
    nodeName: name,
    providerID: `gce://${PROJECT}/${zone}/${name}`,
    addresses: [{ type: 'InternalIP', address: '10.0.0.1' }],
    labels: {},
  };
}

let uidCounter = 0;

export function desired(overrides: Partial<DesiredLoadBalancer> & { uid?: string } = {}): DesiredLoadBalancer {
  const uid = overrides.uid ?? `00000000-0000-0000-0000-${String(++uidCounter).padStart(12, '0')}`;
  const listeners: Listener[] = [
    { name: 'http', port: 80, protocol: 'TCP', nodePort: 30080 },
    { name: 'https', port: 443, protocol: 'TCP', nodePort: 30443 },
  ];
  const { uid: _u, ...rest } = overrides;
  return desiredLoadBalancer({
    name: `test-cluster-${uid.slice(-12)}`,
    ownership: {
      clusterName: CLUSTER,
      serviceNamespace: 'default',
      serviceName: `svc-${uid.slice(-4)}`,
      serviceUID: uid,
    },
    scheme: 'External',
    listeners,
    targets: [],
    ...rest,
  });
}

export const signal = (): AbortSignal => AbortSignal.timeout(60_000);

/** A service-account key file (key.json) with a fresh RSA key; `extra` adds fields such as private_key_id. */
export function serviceAccountKeyJson(email: string, extra: Record<string, string> = {}): string {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return JSON.stringify({ type: 'service_account', client_email: email, private_key: privateKey, ...extra });
}
