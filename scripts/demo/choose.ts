// Which `make demo` runs: on a real node (kubelet, containerd and kube-proxy on this machine) when
// the machine allows it, otherwise the demo on a bare control plane as before. Said in one line.
import { nodeSupport, type NodeSupport } from '../../test/harness/node.ts';

export interface DemoChoice {
  readonly realNode: boolean;
  readonly line: string;
}

/** Pure: the choice from the command line and what nodeSupport() found. */
export function demoChoice(argv: readonly string[], support: NodeSupport): DemoChoice {
  if (argv.includes('--bare'))
    return { realNode: false, line: 'demo: on a bare control plane with stand-in nodes (asked for with --bare)' };
  if (!support.ok)
    return { realNode: false, line: `demo: on a bare control plane with stand-in nodes (${support.reason})` };
  return {
    realNode: true,
    line: 'demo: on a real node (kubelet, containerd, kube-proxy on this machine; --bare runs the demo without one)',
  };
}

export async function chooseDemo(argv: readonly string[]): Promise<DemoChoice> {
  return demoChoice(argv, argv.includes('--bare') ? { ok: true } : await nodeSupport());
}
