import { run } from '../../../scripts/image/run.ts';

/** Imports an OCI archive into each containerd (namespace k8s.io, where kubelet looks for images). */
export async function importImage(ctr: string, sockets: readonly string[], archive: string): Promise<void> {
  for (const socket of sockets) {
    await run(ctr, ['--address', socket, '-n', 'k8s.io', 'images', 'import', '--local', archive]);
  }
}
