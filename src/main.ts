// Wiring only: flags → config → clients → providers → operator; signals → graceful stop.
import { ConfigError, parseConfig, USAGE } from './config.ts';
import { loadKubeConfig } from './kube/client.ts';
import { createLogger } from './log.ts';
import { startOperator } from './operator/index.ts';
import { builtinRegistry } from './provider/builtin.ts';
import type { LevelWithSilent } from 'pino';

async function main(): Promise<number> {
  let config;
  try {
    config = parseConfig(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const help = err.message === USAGE;
    process.stderr.write(help ? USAGE : `cloud-lb-operator: ${err.message}\n\n${USAGE}`);
    return help ? 0 : 2;
  }
  const log = createLogger(config.logLevel as LevelWithSilent);
  const registry = builtinRegistry({ localStateDir: config.localStateDir });
  log.info(
    {
      clusterName: config.clusterName,
      namespace: config.namespace,
      workers: config.workers,
      leaderElect: config.leaderElect,
      providers: registry.types(),
      ...(config.localStateDir === undefined ? {} : { localStateDir: config.localStateDir }),
    },
    'starting',
  );
  const operator = await startOperator({
    kc: loadKubeConfig(config.kubeconfig),
    clusterName: config.clusterName,
    namespace: config.namespace,
    registry,
    workers: config.workers,
    leaderElect: config.leaderElect,
    leaseName: config.leaseName,
    metricsAddr: config.metricsAddr,
    healthAddr: config.healthAddr,
    sweep: { enabled: config.sweep, intervalMs: config.sweepIntervalMs, graceMs: config.sweepGraceMs },
    resyncIntervalMs: config.resyncIntervalMs,
    log,
  });
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      log.info({ signal }, 'stopping');
      resolve();
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  // A second signal during the drain exits at once.
  process.once('SIGTERM', () => process.exit(1));
  process.once('SIGINT', () => process.exit(1));
  await operator.stop();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`cloud-lb-operator: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
