import type { ProviderDefinition } from '../../src/provider/registry.ts';
import { AwsProvider } from './provider.ts';

export { AwsProvider, AWS_CAPABILITIES } from './provider.ts';
export { SUPPORTED_ANNOTATIONS } from './annotations.ts';

/** AWS Network Load Balancers through ELBv2 and EC2. */
export const awsProvider: ProviderDefinition = {
  type: 'aws',
  requiredSecretKeys: ['aws_access_key_id', 'aws_secret_access_key'],
  create: (spec, context) => new AwsProvider(spec, context),
};
