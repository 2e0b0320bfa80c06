// The pause image a node needs for every pod sandbox, built here because registry.k8s.io cannot
// be reached: hack/pause/main.go compiled static and packed as registry.k8s.io/pause:3.10.1.
// `node scripts/image/pause.ts` prints the archive's path (built once, then cached until the
// source or the Go toolchain changes); `pauseImageArchive()` is the same for code.
import { existsSync } from 'node:fs';
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../test/harness/binaries.ts';
import { cachedLayer } from './layer.ts';
import { sha256, type RuntimeConfig } from './oci.ts';
import { writeOciArchive } from './pack.ts';
import { run, step } from './run.ts';
import { BlobStore } from './store.ts';

/** The name containerd's CRI `sandbox_image` defaults to for Kubernetes 1.34. */
export const PAUSE_REFERENCE = 'registry.k8s.io/pause:3.10.1';

const SOURCE = join(PROJECT_ROOT, 'hack', 'pause', 'main.go');

/** As upstream's pause image: an unprivileged user, the binary as entrypoint. */
export const PAUSE_CONFIG: RuntimeConfig = { User: '65535:65535', Entrypoint: ['/pause'] };

export async function pauseImageArchive(store: BlobStore = new BlobStore()): Promise<string> {
  const archive = join(store.dir, `pause-${PAUSE_REFERENCE.split(':').pop() ?? ''}.oci.tar`);
  const stamp = `${archive}.key`;
  const goVersion = await run('go', ['version']);
  const key = sha256(`${PAUSE_REFERENCE}\n${goVersion}\n${await readFile(SOURCE, 'utf8')}`);
  if (existsSync(archive) && existsSync(stamp) && (await readFile(stamp, 'utf8')) === key) return archive;

  const staging = await store.scratchDir('pause');
  try {
    const started = Date.now();
    step(`compiling ${SOURCE} (CGO_ENABLED=0)`);
    const env = { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false', GOWORK: 'off' };
    await run('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', join(staging, 'root', 'pause'), SOURCE], { env });
    await chmod(join(staging, 'root', 'pause'), 0o755);
    const layer = await cachedLayer(
      `pause-${key.slice('sha256:'.length)}`,
      { dir: join(staging, 'root'), owner: 'root', createdBy: 'go build hack/pause/main.go (CGO_ENABLED=0)' },
      store,
      0,
    );
    await writeOciArchive(
      { layers: [layer], config: PAUSE_CONFIG, references: [PAUSE_REFERENCE], epoch: 0 },
      store,
      archive,
    );
    await writeFile(stamp, key);
    step(`${PAUSE_REFERENCE} packed in ${Date.now() - started} ms: ${archive}`);
    return archive;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

if (import.meta.main) process.stdout.write(`${await pauseImageArchive()}\n`);
