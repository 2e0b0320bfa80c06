// The layers above the root filesystem: node at /usr/local/bin/node, the production node_modules,
// and the compiled operator with its package.json. Each is cached by a key of its inputs, so a
// rebuild after a source change compiles and packs only the last one.
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { PROJECT_ROOT } from '../../test/harness/binaries.ts';
import { cachedLayer } from './layer.ts';
import { sha256, type LayerBlob } from './oci.ts';
import {
  COMPILE_COMMAND,
  NODE_MAJOR,
  NODE_PATH_IN_IMAGE,
  OPERATOR_APP_FILES,
  PRODUCTION_DEPENDENCIES_COMMAND,
  type AppPart,
} from './operator-config.ts';
import { run, step } from './run.ts';
import type { BlobStore } from './store.ts';

/** Every layer's entries carry this mtime: the content alone decides the digest. */
const LAYER_EPOCH = 0;

function pathOf(part: AppPart): string {
  const file = OPERATOR_APP_FILES.find((f) => f.part === part);
  if (file === undefined) throw new Error(`the operator image config has no path for ${part}`);
  return file.path;
}

/**
 * Unless `key` is cached: runs `fill(root, scratch)` with two fresh folders and packs `root` as a
 * layer under `key`. `scratch` is for the work that makes the files and is removed with `root`.
 */
async function stagedLayer(
  store: BlobStore,
  key: string,
  createdBy: string,
  fill: (root: string, scratch: string) => Promise<void>,
): Promise<LayerBlob> {
  const found = await store.findLayer(key);
  if (found !== undefined) return found;
  const work = await store.scratchDir('layer');
  try {
    const root = join(work, 'root');
    const scratch = join(work, 'scratch');
    await Promise.all([mkdir(root), mkdir(scratch)]);
    await fill(root, scratch);
    return await cachedLayer(key, { dir: root, owner: 'root', createdBy }, store, LAYER_EPOCH);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The project's node (scripts/ensure-node.sh: node@24 from npm into .cache/node), which must be NODE_MAJOR. */
export async function nodeLayer(store: BlobStore): Promise<LayerBlob> {
  const binDir = (await run('bash', [join(PROJECT_ROOT, 'scripts', 'ensure-node.sh')])).trim();
  const binary = join(binDir, 'node');
  const version = (await run(binary, ['--version'])).trim();
  if (!version.startsWith(`v${NODE_MAJOR}.`))
    throw new Error(`${binary} is ${version}; the image carries node ${NODE_MAJOR} like deploy/Dockerfile`);
  return await stagedLayer(
    store,
    `node-${version}-${process.arch}`,
    `node ${version} → ${NODE_PATH_IN_IMAGE}`,
    async (root) => {
      const target = join(root, NODE_PATH_IN_IMAGE);
      await mkdir(dirname(target), { recursive: true });
      await copyFile(binary, target);
      await chmod(target, 0o755);
    },
  );
}

/** `npm ci --omit=dev --ignore-scripts` in a copy of package.json + package-lock.json (never the shared node_modules). */
export async function dependenciesLayer(store: BlobStore): Promise<LayerBlob> {
  const manifest = await readFile(join(PROJECT_ROOT, 'package.json'));
  const lock = await readFile(join(PROJECT_ROOT, 'package-lock.json'));
  const key = `deps-${sha256(Buffer.concat([manifest, lock, Buffer.from(PRODUCTION_DEPENDENCIES_COMMAND.join(' '))])).slice(7)}`;
  const [command = 'npm', ...args] = PRODUCTION_DEPENDENCIES_COMMAND;
  return await stagedLayer(store, key, PRODUCTION_DEPENDENCIES_COMMAND.join(' '), async (root, project) => {
    await copyFile(join(PROJECT_ROOT, 'package.json'), join(project, 'package.json'));
    await copyFile(join(PROJECT_ROOT, 'package-lock.json'), join(project, 'package-lock.json'));
    step(`${PRODUCTION_DEPENDENCIES_COMMAND.join(' ')} (in a copy of package.json + package-lock.json)`);
    await run(command, [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd: project });
    const target = join(root, pathOf('production-dependencies'));
    await mkdir(dirname(target), { recursive: true });
    await rename(join(project, 'node_modules'), target);
  });
}

async function filesUnder(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** Everything tsconfig.build.json compiles from, so an unchanged tree reuses the last layer. */
async function sourceKey(): Promise<string> {
  const roots = ['src', 'providers'].map((d) => join(PROJECT_ROOT, d));
  const files = [
    ...['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'].map((f) => join(PROJECT_ROOT, f)),
    ...(await Promise.all(roots.map(filesUnder))).flat(),
  ];
  const parts = await Promise.all(files.map(async (f) => `${relative(PROJECT_ROOT, f)}\n${sha256(await readFile(f))}`));
  return sha256(parts.join('\n')).slice(7);
}

/** `npx tsc -p tsconfig.build.json` into the layer (never the shared dist/), and package.json beside it. */
export async function compiledLayer(store: BlobStore): Promise<LayerBlob> {
  const [command = 'npx', ...args] = COMPILE_COMMAND;
  return await stagedLayer(
    store,
    `app-${await sourceKey()}`,
    `${COMPILE_COMMAND.join(' ')}; package.json`,
    async (root) => {
      step(`${COMPILE_COMMAND.join(' ')} --outDir <image staging>`);
      await run(command, [...args, '--outDir', join(root, pathOf('compiled'))], { cwd: PROJECT_ROOT });
      await copyFile(join(PROJECT_ROOT, 'package.json'), join(root, pathOf('package-json')));
    },
  );
}
