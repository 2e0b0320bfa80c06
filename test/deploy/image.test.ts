// deploy/Dockerfile (for machines with Docker) and scripts/image/ (`make image`, no Docker) must
// build the same image: same user, entrypoint, environment, working directory, ports and labels,
// the same files under /app made the same way, on the same Debian release and Node major.
// Fast: it reads the Dockerfile and the builder's exported config; nothing is built.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { test } from 'node:test';
import {
  COMPILE_COMMAND,
  IMAGE_PATH,
  NODE_MAJOR,
  NODE_PATH_IN_IMAGE,
  OPERATOR_APP_FILES,
  OPERATOR_IMAGE_CONFIG,
  PRODUCTION_DEPENDENCIES_COMMAND,
  type AppPart,
} from '../../scripts/image/operator-config.ts';
import { DEBIAN_SUITE } from '../../scripts/image/rootfs.ts';
import { PROJECT_ROOT } from '../harness/binaries.ts';
import { keyValues, parseCopy, parseDockerfile, type Stage } from './dockerfile.ts';

const dockerfile = parseDockerfile(await readFile(posix.join(PROJECT_ROOT, 'deploy', 'Dockerfile'), 'utf8'));
const config = OPERATOR_IMAGE_CONFIG;

function stage(name: string): Stage {
  const found = dockerfile.stages.filter((s) => s.name === name);
  assert.equal(found.length, 1, `one stage named ${name}`);
  return found[0] as Stage;
}

/** The single value of `keyword` in the runtime stage. */
function only(keyword: string): string {
  const found = stage('runtime').instructions.filter((i) => i.keyword === keyword);
  assert.equal(found.length, 1, `the runtime stage has one ${keyword}`);
  return (found[0] as { args: string }).args;
}

test('the runtime stage has only instructions the builder reproduces', () => {
  const known = new Set(['LABEL', 'ENV', 'WORKDIR', 'COPY', 'USER', 'EXPOSE', 'ENTRYPOINT']);
  const keywords = stage('runtime').instructions.map((i) => i.keyword);
  assert.ok(keywords.length >= known.size);
  for (const keyword of keywords) assert.ok(known.has(keyword), `scripts/image/ knows what ${keyword} means`);
});

test('same user, entrypoint, working directory, exposed ports and labels', () => {
  assert.equal(config.User, only('USER'));
  assert.deepEqual(config.Entrypoint, JSON.parse(only('ENTRYPOINT')));
  assert.equal(config.WorkingDir, only('WORKDIR'));
  const exposed = only('EXPOSE')
    .split(/\s+/)
    .map((port) => (port.includes('/') ? port : `${port}/tcp`));
  assert.deepEqual(Object.keys(config.ExposedPorts ?? {}).sort(), exposed.sort());
  assert.deepEqual(config.Labels, keyValues(only('LABEL')));
});

test("same environment: the Dockerfile's ENV plus the base image's PATH, where node is found", () => {
  const env = Object.fromEntries((config.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
  assert.deepEqual(env, { PATH: IMAGE_PATH, ...keyValues(only('ENV')) });
  assert.ok(IMAGE_PATH.split(':').includes(posix.dirname(NODE_PATH_IN_IMAGE)));
  assert.equal(config.Entrypoint?.[0], posix.basename(NODE_PATH_IN_IMAGE));
});

test('the same files under /app, made by the same commands', () => {
  const workdir = only('WORKDIR');
  const copies = stage('runtime')
    .instructions.filter((i) => i.keyword === 'COPY')
    .map((i) => parseCopy(i.args));
  assert.equal(copies.length, 3);
  // Which stage makes what: the build stage compiles, prod-deps installs, the context gives package.json.
  const partOf = (from: string | undefined, source: string): AppPart => {
    if (from === 'build' && source === '/app/dist') return 'compiled';
    if (from === 'prod-deps' && source === '/app/node_modules') return 'production-dependencies';
    if (from === undefined && source === 'package.json') return 'package-json';
    throw new Error(`COPY --from=${from ?? '(context)'} ${source}: the builder has no counterpart`);
  };
  const copied = copies.flatMap(({ from, sources, destination }) =>
    sources.map((source) => ({
      path: destination.endsWith('/')
        ? posix.join(workdir, destination, posix.basename(source))
        : posix.join(workdir, destination),
      part: partOf(from, source),
    })),
  );
  const byPath = (a: { path: string }, b: { path: string }) => a.path.localeCompare(b.path);
  assert.deepEqual([...OPERATOR_APP_FILES].sort(byPath), copied.sort(byPath));

  const runs = (name: string) => stage(name).instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
  assert.ok(runs('build').some((line) => line.startsWith(COMPILE_COMMAND.join(' '))));
  assert.ok(runs('prod-deps').some((line) => line.startsWith(PRODUCTION_DEPENDENCIES_COMMAND.join(' '))));
});

test('the same base: Debian release and Node major of the default NODE_IMAGE', () => {
  const arg = dockerfile.args.find((i) => i.keyword === 'ARG' && i.args.startsWith('NODE_IMAGE='));
  assert.ok(arg !== undefined);
  assert.equal(arg.args, `NODE_IMAGE=node:${NODE_MAJOR}-${DEBIAN_SUITE}-slim`);
  assert.equal(stage('runtime').from, '${NODE_IMAGE}');
});
