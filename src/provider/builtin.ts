// The clouds compiled into the operator. Adding a cloud is its folder under providers/ (with one
// definition in its index.ts), one entry here, and `make generate` for the CRD.
// (Test providers live under test/ and are never imported from src/.)
import { awsProvider } from '../../providers/aws/index.ts';
import { gcpProvider } from '../../providers/gcp/index.ts';
import { defineLocalProvider, localProvider } from '../../providers/local/index.ts';
import { ProviderRegistry } from './registry.ts';

export const BUILTIN_PROVIDERS = [awsProvider, gcpProvider, localProvider] as const;

export type BuiltinProvider = (typeof BUILTIN_PROVIDERS)[number];

export interface BuiltinSettings {
  /** --local-state-dir: where the local provider keeps its address record. */
  readonly localStateDir?: string | undefined;
}

export function builtinRegistry(settings: BuiltinSettings = {}): ProviderRegistry {
  const local = defineLocalProvider({ stateDir: settings.localStateDir });
  return new ProviderRegistry(
    BUILTIN_PROVIDERS.map((definition) => (definition.type === 'local' ? local : definition)),
  );
}
