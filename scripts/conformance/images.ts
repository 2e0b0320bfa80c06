// The two images the conformance run imports into its nodes, packed with scripts/image/ (no
// registry, no Docker engine) and cached in the image store until their inputs change:
// - agnhost under the name the e2e suite asks for. The suite's exec pods run `sh -c "nc -v -t …"`
//   and `curl`, so the binary sits on a Debian minbase root filesystem with netcat-openbsd (whose
//   flags the suite uses; busybox's nc rejects them) and curl, as upstream's image has them.
// - CoreDNS (hack/coredns/main.go): the cluster's DNS for Service names.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { copyFile, chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { cachedLayer } from '../image/layer.ts';
import { sha256, type LayerBlob, type RuntimeConfig } from '../image/oci.ts';
import { writeOciArchive } from '../image/pack.ts';
import { rootfsLayer } from '../image/rootfs.ts';
import { step } from '../image/run.ts';
import { BlobStore } from '../image/store.ts';

/** k8s.io/kubernetes@v1.34.4 test/utils/image/manifest.go: configs[Agnhost]. */
export const AGNHOST_REFERENCE = 'registry.k8s.io/e2e-test-images/agnhost:2.56';
/** Not upstream's image (ours has five plugins), so not upstream's name. */
export const COREDNS_REFERENCE = 'cloudlb.dev/conformance/coredns:v1.12.4';
/** What the suite's pods run besides agnhost itself (see the header). */
export const AGNHOST_PACKAGES = ['netcat-openbsd', 'curl'] as const;

const IMAGE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** As upstream's Dockerfile: `ENTRYPOINT ["/agnhost"]`, `CMD ["pause"]`. */
const AGNHOST_CONFIG: RuntimeConfig = { Env: [`PATH=${IMAGE_PATH}`], Entrypoint: ['/agnhost'], Cmd: ['pause'] };
/** An unprivileged user; port 53 comes from the pod's NET_BIND_SERVICE capability. */
const COREDNS_CONFIG: RuntimeConfig = { User: '65532:65532', Entrypoint: ['/coredns'] };

async function fileDigest(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** A layer holding only `binary` at `/<its name>`, cached by the binary's content. */
async function binaryLayer(binary: string, store: BlobStore): Promise<LayerBlob> {
  const name = basename(binary);
  const key = `${name}-${await fileDigest(binary)}`;
  const found = await store.findLayer(key);
  if (found !== undefined) return found;
  const staging = await store.scratchDir(name);
  try {
    await copyFile(binary, join(staging, name));
    await chmod(join(staging, name), 0o755);
    return await cachedLayer(key, { dir: staging, owner: 'root', createdBy: `COPY ${name} /${name}` }, store, 0);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Packs `layers` as `reference` unless the archive of the same layers and config is there already. */
async function cachedImage(
  reference: string,
  layers: readonly LayerBlob[],
  config: RuntimeConfig,
  store: BlobStore,
): Promise<string> {
  const archive = join(store.dir, `${reference.replaceAll(/[/:]/g, '-')}.oci.tar`);
  const stamp = `${archive}.key`;
  const key = sha256(JSON.stringify({ reference, layers: layers.map((l) => l.digest), config }));
  if (existsSync(archive) && existsSync(stamp) && (await readFile(stamp, 'utf8')) === key) return archive;
  await mkdir(store.dir, { recursive: true });
  await writeOciArchive({ layers, config, references: [reference], epoch: 0 }, store, archive);
  await writeFile(stamp, key);
  step(`${reference} packed: ${archive}`);
  return archive;
}

export interface ConformanceImages {
  readonly agnhost: string;
  readonly coredns: string;
}

/** The archives of both images; `assets` is the folder hack/build-conformance.sh printed. */
export async function conformanceImages(
  assets: string,
  store: BlobStore = new BlobStore(),
): Promise<ConformanceImages> {
  const base = await rootfsLayer(store, 0, AGNHOST_PACKAGES);
  const agnhost = await cachedImage(
    AGNHOST_REFERENCE,
    [base, await binaryLayer(join(assets, 'agnhost'), store)],
    AGNHOST_CONFIG,
    store,
  );
  const coredns = await cachedImage(
    COREDNS_REFERENCE,
    [await binaryLayer(join(assets, 'coredns'), store)],
    COREDNS_CONFIG,
    store,
  );
  return { agnhost, coredns };
}
