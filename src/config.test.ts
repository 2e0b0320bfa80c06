import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseConfig, parseDuration } from './config.ts';

test('defaults', () => {
  const config = parseConfig(['--cluster-name', 'prod'], {});
  assert.equal(config.namespace, 'cloud-lb-system');
  assert.equal(config.workers, 4);
  assert.equal(config.leaderElect, false);
  assert.equal(config.sweep, true);
  assert.equal(config.sweepGraceMs, 300_000);
  assert.equal(parseConfig(['--cluster-name', 'prod'], { POD_NAMESPACE: 'ops' }).namespace, 'ops');
});

test('--local-state-dir, else $CLOUDLB_LOCAL_STATE_DIR, else unset (the provider picks a directory under $HOME)', () => {
  const env = { CLOUDLB_LOCAL_STATE_DIR: '/from-env' };
  assert.equal(
    parseConfig(['--cluster-name', 'c', '--local-state-dir', '/var/state'], env).localStateDir,
    '/var/state',
  );
  assert.equal(parseConfig(['--cluster-name', 'c'], env).localStateDir, '/from-env');
  assert.equal(parseConfig(['--cluster-name', 'c'], {}).localStateDir, undefined);
  assert.throws(
    () => parseConfig(['--cluster-name', 'c', '--local-state-dir='], {}),
    /--local-state-dir must not be empty/,
  );
});

test('flags', () => {
  const config = parseConfig(
    [
      '--cluster-name=c1',
      '--workers',
      '8',
      '--leader-elect',
      '--no-sweep',
      '--sweep-interval',
      '30s',
      '--metrics-addr',
      '127.0.0.1:0',
      '--health-addr',
      '0',
      '--log-level',
      'debug',
    ],
    {},
  );
  assert.deepEqual(
    [
      config.workers,
      config.leaderElect,
      config.sweep,
      config.sweepIntervalMs,
      config.metricsAddr,
      config.healthAddr,
      config.logLevel,
    ],
    [8, true, false, 30_000, '127.0.0.1:0', '0', 'debug'],
  );
});

test('bad flags give one clear line each', () => {
  const cases: Array<[string[], RegExp]> = [
    [[], /--cluster-name is required/],
    [['--cluster-name', 'Prod_1'], /--cluster-name must be lower-case/],
    [['--cluster-name', 'c', '--workers', 'many'], /--workers must be a number/],
    [['--cluster-name', 'c', '--workers', '0'], /--workers must be at least 1/],
    [['--cluster-name', 'c', '--sweep-grace', '5 minutes'], /--sweep-grace must be a duration/],
    [['--cluster-name', 'c', '--log-level', 'loud'], /--log-level must be one of/],
    [['--cluster-name', 'c', '--metrics-addr', 'localhost'], /--metrics-addr must be host:port/],
    [['--cluster-name', 'c', '--bogus'], /Unknown option '--bogus'/],
  ];
  for (const [argv, message] of cases)
    assert.throws(
      () => parseConfig(argv, {}),
      (err: unknown) => err instanceof ConfigError && message.test(err.message),
      argv.join(' '),
    );
});

test('durations', () => {
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('1.5m'), 90_000);
  assert.equal(parseDuration('2h'), 7_200_000);
  assert.equal(parseDuration('10'), undefined);
});
