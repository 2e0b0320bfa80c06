// The clouds compiled into the operator. Adding a cloud is one import and one list entry here.
// (Test providers live under test/ and are never imported from src/.)
import { awsProvider } from '../../providers/aws/index.ts';
import { gcpProvider } from '../../providers/gcp/index.ts';
import { localProvider } from '../../providers/local/index.ts';
import { ProviderRegistry, type ProviderDefinition } from './registry.ts';

export const BUILTIN_PROVIDERS: readonly ProviderDefinition[] = [awsProvider, gcpProvider, localProvider];

export function builtinRegistry(): ProviderRegistry {
  return new ProviderRegistry(BUILTIN_PROVIDERS);
}
