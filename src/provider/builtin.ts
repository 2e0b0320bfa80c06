// The clouds compiled into the operator. Adding a cloud is its folder under providers/ (with one
// definition in its index.ts), one entry here, and `make generate` for the CRD.
// (Test providers live under test/ and are never imported from src/.)
import { awsProvider } from '../../providers/aws/index.ts';
import { gcpProvider } from '../../providers/gcp/index.ts';
import { localProvider } from '../../providers/local/index.ts';
import { ProviderRegistry } from './registry.ts';

export const BUILTIN_PROVIDERS = [awsProvider, gcpProvider, localProvider] as const;

export type BuiltinProvider = (typeof BUILTIN_PROVIDERS)[number];

export function builtinRegistry(): ProviderRegistry {
  return new ProviderRegistry(BUILTIN_PROVIDERS);
}
