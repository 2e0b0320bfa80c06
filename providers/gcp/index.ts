// The GCP provider's registration: type 'gcp', Secret key key.json (optional Secret: without
// one, application default credentials / Workload Identity). Light parts only; `load` imports
// the SDK when a LoadBalancerProvider of type gcp exists.
import { defineProvider } from '../../src/provider/registry.ts';
import { LB_TYPE_ANNOTATIONS } from './annotations.ts';
import { GCP_CAPABILITIES } from './capabilities.ts';
import { gcpSpecSchema } from './spec.ts';

export { GCP_CAPABILITIES } from './capabilities.ts';

export const gcpProvider = defineProvider({
  type: 'gcp',
  description: 'Passthrough Network Load Balancers on Compute Engine.',
  spec: gcpSpecSchema,
  requiredSecretKeys: ['key.json'],
  capabilities: GCP_CAPABILITIES,
  annotationPrefixes: LB_TYPE_ANNOTATIONS,
  load: async () => (await import('./factory.ts')).createGcpProvider,
});
