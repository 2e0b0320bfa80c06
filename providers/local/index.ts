// Registration of the local provider: type 'local', no credentials; `load` imports the proxies.
import { defineProvider } from '../../src/provider/registry.ts';
import { LOCAL_CAPABILITIES } from './capabilities.ts';
import { claimedAddressPools, localSpecSchema } from './spec.ts';
import { ensureWritableDirectory, recordFile, stateDirectory } from './state-dir.ts';

export { LOCAL_CAPABILITIES } from './capabilities.ts';
export { DEFAULT_ADDRESS_POOL, parseLocalSpec } from './spec.ts';
export { STATE_DIR_ENV, STATE_DIR_FLAG } from './state-dir.ts';

export interface LocalProviderSettings {
  /** --local-state-dir; unset: $CLOUDLB_LOCAL_STATE_DIR, else under $XDG_STATE_HOME or $HOME (state-dir.ts). */
  readonly stateDir?: string | undefined;
}

/** The local provider's definition; its address record lives in `settings.stateDir`. */
export function defineLocalProvider(settings: LocalProviderSettings = {}) {
  return defineProvider({
    type: 'local',
    description: "In-process TCP/UDP proxies on this machine's addresses (developers, kind/k3d, the demo).",
    spec: localSpecSchema,
    requiredSecretKeys: [],
    capabilities: LOCAL_CAPABILITIES,
    annotationPrefixes: [],
    load: async () => {
      const [{ LocalProvider }, { FileAllocationStore }] = await Promise.all([
        import('./provider.ts'),
        import('./store.ts'),
      ]);
      return (spec, context) => {
        // The spec is checked first (the constructor parses it), so a bad spec is named before the directory.
        const dir = stateDirectory(settings.stateDir);
        const store = new FileAllocationStore(recordFile(dir, context.clusterName, context.providerName), context.log);
        const provider = new LocalProvider(spec, context, { store });
        ensureWritableDirectory(dir);
        return provider;
      };
    },
    // The proxies are this process's sockets, closed with the provider; the address record is a hint.
    resourcesDieWithProvider: true,
    exclusiveRanges: claimedAddressPools,
  });
}

export const localProvider = defineLocalProvider();
