// The pure documents of an OCI image layout: names as the kubelet normalizes them, and the
// index → manifest → config chain that `ctr images import` follows by digest.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CONTAINERD_IMAGE_NAME,
  configBlob,
  hostPlatform,
  layoutIndex,
  manifestBlob,
  MEDIA_TYPE,
  OCI_REF_NAME,
  parseReference,
  sha256,
  type LayerBlob,
} from './oci.ts';

const REFERENCES: ReadonlyArray<{ input: string; name: string; tag: string }> = [
  { input: 'registry.k8s.io/pause:3.10.1', name: 'registry.k8s.io/pause:3.10.1', tag: '3.10.1' },
  { input: 'cloud-lb-operator:9241c05', name: 'docker.io/library/cloud-lb-operator:9241c05', tag: '9241c05' },
  {
    input: 'cloud-lb-operator:9241c05-dirty',
    name: 'docker.io/library/cloud-lb-operator:9241c05-dirty',
    tag: '9241c05-dirty',
  },
  { input: 'cloud-lb-operator', name: 'docker.io/library/cloud-lb-operator:latest', tag: 'latest' },
  { input: 'example/op:v1', name: 'docker.io/example/op:v1', tag: 'v1' },
  { input: 'localhost/op:dev', name: 'localhost/op:dev', tag: 'dev' },
  { input: 'localhost:5000/team/op', name: 'localhost:5000/team/op:latest', tag: 'latest' },
];

for (const { input, name, tag } of REFERENCES) {
  test(`reference ${input} → ${name}`, () => {
    assert.deepEqual(parseReference(input), { name, tag });
  });
}

for (const bad of ['Cloud-LB:1', 'op@sha256:abc', 'op:-x', 'op:', 'a//b:1']) {
  test(`reference ${bad} is refused`, () => {
    assert.throws(() => parseReference(bad), /image reference/);
  });
}

const LAYERS: readonly LayerBlob[] = [
  { digest: sha256('gz1'), size: 10, diffId: sha256('tar1'), diffSize: 30, createdBy: 'debootstrap' },
  { digest: sha256('gz2'), size: 20, diffId: sha256('tar2'), diffSize: 40, createdBy: 'app' },
];
const PLATFORM = { architecture: 'amd64', os: 'linux' };
const CREATED = '2026-11-29T19:00:00Z';

test('the config lists diff_ids in layer order, one history entry each, and the runtime config as given', () => {
  const config = configBlob({
    config: { User: '1000:1000', Entrypoint: ['node'], ExposedPorts: { '8080/tcp': {} } },
    layers: LAYERS,
    platform: PLATFORM,
    created: CREATED,
  });
  assert.deepEqual(JSON.parse(config.json), {
    created: CREATED,
    architecture: 'amd64',
    os: 'linux',
    config: { User: '1000:1000', Entrypoint: ['node'], ExposedPorts: { '8080/tcp': {} } },
    rootfs: { type: 'layers', diff_ids: [sha256('tar1'), sha256('tar2')] },
    history: [
      { created: CREATED, created_by: 'debootstrap' },
      { created: CREATED, created_by: 'app' },
    ],
  });
  assert.deepEqual(config.descriptor, {
    mediaType: MEDIA_TYPE.config,
    digest: sha256(config.json),
    size: Buffer.byteLength(config.json),
  });
});

test('the manifest points at the config and at the gzip blobs (not the diff_ids) by digest and size', () => {
  const config = configBlob({ config: {}, layers: LAYERS, platform: PLATFORM, created: CREATED });
  const manifest = manifestBlob(config.descriptor, LAYERS);
  assert.deepEqual(JSON.parse(manifest.json), {
    schemaVersion: 2,
    mediaType: MEDIA_TYPE.manifest,
    config: config.descriptor,
    layers: [
      { mediaType: MEDIA_TYPE.layerGzip, digest: sha256('gz1'), size: 10 },
      { mediaType: MEDIA_TYPE.layerGzip, digest: sha256('gz2'), size: 20 },
    ],
  });
  assert.equal(manifest.descriptor.digest, sha256(manifest.json));
});

test('index.json names the manifest once per reference, for containerd and for OCI tools', () => {
  const manifest = { mediaType: MEDIA_TYPE.manifest, digest: sha256('m'), size: 5 };
  const index = JSON.parse(
    layoutIndex(manifest, PLATFORM, [parseReference('cloud-lb-operator:abc'), parseReference('cloud-lb-operator:dev')]),
  ) as { manifests: Array<Record<string, unknown>> };
  assert.equal(index.manifests.length, 2);
  assert.deepEqual(
    index.manifests.map((m) => m['annotations']),
    [
      { [CONTAINERD_IMAGE_NAME]: 'docker.io/library/cloud-lb-operator:abc', [OCI_REF_NAME]: 'abc' },
      { [CONTAINERD_IMAGE_NAME]: 'docker.io/library/cloud-lb-operator:dev', [OCI_REF_NAME]: 'dev' },
    ],
  );
  for (const entry of index.manifests) {
    assert.equal(entry['digest'], manifest.digest);
    assert.deepEqual(entry['platform'], PLATFORM);
  }
  assert.throws(() => layoutIndex(manifest, PLATFORM, []), /at least one name/);
});

test('the platform is named the OCI way', () => {
  assert.deepEqual(hostPlatform('x64'), { architecture: 'amd64', os: 'linux' });
  assert.deepEqual(hostPlatform('arm64'), { architecture: 'arm64', os: 'linux' });
  assert.throws(() => hostPlatform('mips'), /no OCI architecture/);
});
