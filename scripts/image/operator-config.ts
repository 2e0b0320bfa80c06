// What the operator image is, as data: the runtime config and the files under /app, the same as
// the runtime stage of deploy/Dockerfile (test/deploy/image.test.ts holds the two together).
// scripts/image/build.ts assembles exactly this; nothing here runs anything.
import type { RuntimeConfig } from './oci.ts';

export const OPERATOR_REPOSITORY = 'cloud-lb-operator';
export const APP_DIR = '/app';
/** Where node goes: on the PATH below, as in the official node image, so the entrypoint's `node` finds it. */
export const NODE_PATH_IN_IMAGE = '/usr/local/bin/node';

/** The Debian default PATH, which the official node image keeps. */
export const IMAGE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export const OPERATOR_IMAGE_CONFIG: RuntimeConfig = {
  // The `node` user by number, so that runAsNonRoot can verify it.
  User: '1000:1000',
  // MALLOC_ARENA_MAX: see deploy/Dockerfile.
  Env: [`PATH=${IMAGE_PATH}`, 'NODE_ENV=production', 'MALLOC_ARENA_MAX=2'],
  Entrypoint: ['node', '--enable-source-maps', 'dist/src/main.js'],
  WorkingDir: APP_DIR,
  ExposedPorts: { '8080/tcp': {}, '8081/tcp': {} },
  Labels: {
    'org.opencontainers.image.title': 'cloud-lb-operator',
    'org.opencontainers.image.description':
      'Gives Kubernetes Services of type LoadBalancer a real external load balancer',
    'org.opencontainers.image.licenses': 'Apache-2.0',
  },
};

/** What each path under /app is made from: the Dockerfile's prod-deps and build stages, and the context. */
export type AppPart = 'production-dependencies' | 'compiled' | 'package-json';

/** The files under /app, owned by root and read-only to the process (as COPY leaves them). */
export const OPERATOR_APP_FILES: ReadonlyArray<{ readonly path: string; readonly part: AppPart }> = [
  { path: `${APP_DIR}/node_modules`, part: 'production-dependencies' },
  { path: `${APP_DIR}/dist`, part: 'compiled' },
  { path: `${APP_DIR}/package.json`, part: 'package-json' },
];

/** The node major the Dockerfile's base image carries (node:24-bookworm-slim). */
export const NODE_MAJOR = 24;

/** How the Dockerfile's stages make /app's parts; the builder runs the same commands. */
export const COMPILE_COMMAND: readonly string[] = ['npx', 'tsc', '-p', 'tsconfig.build.json'];
export const PRODUCTION_DEPENDENCIES_COMMAND: readonly string[] = ['npm', 'ci', '--omit=dev', '--ignore-scripts'];
