import { defineProvider } from '../../src/provider/registry.ts';
import { AWS_CAPABILITIES, AwsProvider } from './provider.ts';
import { awsSpecSchema } from './spec.ts';

export { AwsProvider, AWS_CAPABILITIES } from './provider.ts';
export { SUPPORTED_ANNOTATIONS } from './annotations.ts';

export const awsProvider = defineProvider({
  type: 'aws',
  description: 'Network Load Balancers through ELBv2.',
  spec: awsSpecSchema,
  requiredSecretKeys: ['aws_access_key_id', 'aws_secret_access_key'],
  capabilities: AWS_CAPABILITIES,
  create: (spec, context) => new AwsProvider(spec, context),
});
