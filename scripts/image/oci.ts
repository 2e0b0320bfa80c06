// The JSON documents of an OCI image layout (image-spec v1.1), computed from layer digests alone.
// Pure: no file system, no clock. scripts/image/pack.ts writes them next to the blobs.
import { createHash } from 'node:crypto';

export const MEDIA_TYPE = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

/** containerd names an imported image after this annotation; the OCI one below is only the tag. */
export const CONTAINERD_IMAGE_NAME = 'io.containerd.image.name';
export const OCI_REF_NAME = 'org.opencontainers.image.ref.name';

export type Digest = `sha256:${string}`;

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: Digest;
  readonly size: number;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly platform?: Platform;
}

export interface Platform {
  readonly architecture: string;
  readonly os: string;
}

/** One gzip layer: `digest`/`size` of the compressed blob, `diffId` of the tar inside it. */
export interface LayerBlob {
  readonly digest: Digest;
  readonly size: number;
  readonly diffId: Digest;
  /** Bytes of the uncompressed tar: what the layer takes once unpacked, roughly. */
  readonly diffSize: number;
  /** Shown by `ctr image history`-like tools: what made this layer. */
  readonly createdBy: string;
}

/** The runtime part of an image config, with the field names the OCI spec (and Docker) use. */
export interface RuntimeConfig {
  readonly User?: string;
  readonly Env?: readonly string[];
  readonly Entrypoint?: readonly string[];
  readonly Cmd?: readonly string[];
  readonly WorkingDir?: string;
  readonly ExposedPorts?: Readonly<Record<string, Record<string, never>>>;
  readonly Labels?: Readonly<Record<string, string>>;
  readonly StopSignal?: string;
}

export interface ImageReference {
  /** Fully qualified, the way the CRI looks it up: `docker.io/library/cloud-lb-operator:abc`. */
  readonly name: string;
  readonly tag: string;
}

const REPOSITORY_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^\w[\w.-]{0,127}$/;

/**
 * Normalizes a reference the way the kubelet and containerd do (`nginx` → `docker.io/library/nginx:latest`),
 * so an image imported under this name is the one a pod's `image:` finds. Digests are not accepted.
 */
export function parseReference(reference: string): ImageReference {
  if (reference.includes('@')) throw new Error(`image reference ${reference}: digests are not supported here`);
  const slash = reference.lastIndexOf('/');
  const colon = reference.lastIndexOf(':');
  const hasTag = colon > slash;
  const repository = hasTag ? reference.slice(0, colon) : reference;
  const tag = hasTag ? reference.slice(colon + 1) : 'latest';
  const parts = repository.split('/');
  const first = parts[0] ?? '';
  const hasDomain = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const domain = hasDomain ? first : 'docker.io';
  const path = hasDomain ? parts.slice(1) : parts;
  if (domain === 'docker.io' && path.length === 1) path.unshift('library');
  for (const component of path) {
    if (!REPOSITORY_COMPONENT.test(component))
      throw new Error(`image reference ${reference}: "${component}" is not a valid repository name component`);
  }
  if (!TAG.test(tag)) throw new Error(`image reference ${reference}: "${tag}" is not a valid tag`);
  return { name: `${domain}/${path.join('/')}:${tag}`, tag };
}

export function sha256(content: string | Buffer): Digest {
  return `sha256:${createHash('sha256').update(content).digest('hex')}`;
}

/** A JSON blob and the descriptor that points at it. */
export interface Blob {
  readonly json: string;
  readonly descriptor: Descriptor;
}

function blob(mediaType: string, document: unknown): Blob {
  const json = JSON.stringify(document);
  return { json, descriptor: { mediaType, digest: sha256(json), size: Buffer.byteLength(json) } };
}

export interface ImageInput {
  readonly config: RuntimeConfig;
  readonly layers: readonly LayerBlob[];
  readonly platform: Platform;
  /** RFC 3339; fixed per input (a commit's time, or the epoch) so the image is reproducible. */
  readonly created: string;
}

export function configBlob(input: ImageInput): Blob {
  return blob(MEDIA_TYPE.config, {
    created: input.created,
    architecture: input.platform.architecture,
    os: input.platform.os,
    config: input.config,
    rootfs: { type: 'layers', diff_ids: input.layers.map((layer) => layer.diffId) },
    history: input.layers.map((layer) => ({ created: input.created, created_by: layer.createdBy })),
  });
}

export function manifestBlob(config: Descriptor, layers: readonly LayerBlob[]): Blob {
  return blob(MEDIA_TYPE.manifest, {
    schemaVersion: 2,
    mediaType: MEDIA_TYPE.manifest,
    config: { mediaType: config.mediaType, digest: config.digest, size: config.size },
    layers: layers.map((layer) => ({ mediaType: MEDIA_TYPE.layerGzip, digest: layer.digest, size: layer.size })),
  });
}

/** index.json: the same manifest once per name, so one import creates every tag. */
export function layoutIndex(manifest: Descriptor, platform: Platform, references: readonly ImageReference[]): string {
  if (references.length === 0) throw new Error('an image needs at least one name');
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: MEDIA_TYPE.index,
    manifests: references.map((reference) => ({
      mediaType: manifest.mediaType,
      digest: manifest.digest,
      size: manifest.size,
      platform,
      annotations: { [CONTAINERD_IMAGE_NAME]: reference.name, [OCI_REF_NAME]: reference.tag },
    })),
  });
}

export const OCI_LAYOUT_FILE = JSON.stringify({ imageLayoutVersion: '1.0.0' });

const OCI_ARCHITECTURE: Readonly<Record<string, string>> = {
  x64: 'amd64',
  arm64: 'arm64',
  ppc64: 'ppc64le',
  s390x: 's390x',
};

/** The platform this machine builds for, in OCI's words. */
export function hostPlatform(arch: string = process.arch): Platform {
  const architecture = OCI_ARCHITECTURE[arch];
  if (architecture === undefined) throw new Error(`no OCI architecture known for node's "${arch}"`);
  return { architecture, os: 'linux' };
}
