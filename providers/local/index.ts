// Registration of the local provider: type 'local', no credentials; `load` imports the proxies.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { defineProvider, type ProviderContext } from '../../src/provider/registry.ts';
import { LOCAL_CAPABILITIES } from './capabilities.ts';
import { claimedAddressPools, localSpecSchema } from './spec.ts';

export { LOCAL_CAPABILITIES } from './capabilities.ts';
export { DEFAULT_ADDRESS_POOL, parseLocalSpec } from './spec.ts';

/**
 * Where the address record lives: $CLOUDLB_LOCAL_STATE_DIR, else $XDG_STATE_HOME/cloud-lb-operator,
 * else ~/.local/state/cloud-lb-operator; one file per cluster and provider object.
 */
export function defaultRecordPath(context: Pick<ProviderContext, 'clusterName' | 'providerName'>): string {
  const dir =
    process.env['CLOUDLB_LOCAL_STATE_DIR'] ??
    join(process.env['XDG_STATE_HOME'] ?? join(homedir(), '.local', 'state'), 'cloud-lb-operator');
  const safe = (s: string): string => s.replace(/[^A-Za-z0-9._-]/g, '_');
  return join(dir, `local-${safe(context.clusterName)}-${safe(context.providerName)}.json`);
}

export const localProvider = defineProvider({
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
    return (spec, context) =>
      new LocalProvider(spec, context, { store: new FileAllocationStore(defaultRecordPath(context), context.log) });
  },
  // The proxies are this process's sockets, closed with the provider; the address record is a hint.
  resourcesDieWithProvider: true,
  exclusiveRanges: claimedAddressPools,
});
