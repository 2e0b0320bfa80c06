// The AWS provider's registration: light parts only; `load` imports the SDK when a
// LoadBalancerProvider of type aws exists.
import { defineProvider } from '../../src/provider/registry.ts';
import { ANNOTATION_PREFIX } from './annotations.ts';
import { AWS_CAPABILITIES } from './capabilities.ts';
import { awsSpecSchema } from './spec.ts';

export { AWS_CAPABILITIES } from './capabilities.ts';
export { SUPPORTED_ANNOTATIONS } from './annotations.ts';

export const awsProvider = defineProvider({
  type: 'aws',
  description: 'Network Load Balancers through ELBv2.',
  spec: awsSpecSchema,
  requiredSecretKeys: ['aws_access_key_id', 'aws_secret_access_key'],
  capabilities: AWS_CAPABILITIES,
  annotationPrefixes: [ANNOTATION_PREFIX],
  nodeLabelAnnotations: [`${ANNOTATION_PREFIX}target-node-labels`],
  load: async () => {
    const { AwsProvider } = await import('./provider.ts');
    return (spec, context) => new AwsProvider(spec, context);
  },
});
