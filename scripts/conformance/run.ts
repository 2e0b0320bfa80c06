// `make conformance`: the upstream e2e suite's [Feature:LoadBalancer] specs against the operator on
// a real cluster on this machine (root). Builds or reuses the suite and its images
// (hack/build-conformance.sh, images.ts) and the operator's image (make image), starts the
// cluster (two nodes; NODES=1 for one) with DNS and the operator from deploy/overlays/local, runs each spec in its
// own e2e.test, prints the table, and stops the cluster whatever happens.
// Environment: NODES (2), SPEC_TIMEOUT (Ginkgo duration, 13m: the rolling-update specs take about 11), FOCUS (a regex over the table's
// spec names, to run a few), CONFORMANCE_DIR (where logs and reports go).
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildOperatorImage } from '../image/build.ts';
import { run, step } from '../image/run.ts';
import { PROJECT_ROOT } from '../../test/harness/binaries.ts';
import { nodeSupport, startRealCluster, type RealCluster } from '../../test/harness/node.ts';
import { installDns, installOperator } from './addons.ts';
import { conformanceImages } from './images.ts';
import { parseJUnit, type SpecResult } from './junit.ts';
import { goDurationMs, listArgs, selectedSpecs, shortName, specArgs } from './specs.ts';
import { markdownTable, rowOf, summary, type Row } from './table.ts';

const env = process.env;
const nodes = env['NODES'] === '1' ? 1 : 2;
const specTimeout = env['SPEC_TIMEOUT'] ?? '13m';
const focus = env['FOCUS'] === undefined || env['FOCUS'] === '' ? undefined : new RegExp(env['FOCUS']);
const outDir = env['CONFORMANCE_DIR'] ?? join(PROJECT_ROOT, '.cache', 'conformance');
const say = (line: string): void => void process.stderr.write(`[conformance] ${line}\n`);

/** e2e.test stops on its own at --ginkgo.timeout and cleans up; this is for one that does not. */
const HARD_LIMIT_MS = goDurationMs(specTimeout) + 5 * 60_000;

async function readReport(dir: string): Promise<SpecResult[] | undefined> {
  const xml = await readFile(join(dir, 'junit_01.xml'), 'utf8').catch(() => undefined);
  return xml === undefined ? undefined : parseJUnit(xml);
}

/** Runs e2e.test to its end with its output in `log`; its exit code says nothing we need. */
async function e2e(binary: string, args: readonly string[], log: string, path: string): Promise<void> {
  const out = createWriteStream(log);
  await new Promise<void>((resolve, reject) => {
    const child = spawn(binary, args, { env: { ...env, PATH: path }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    const limit = setTimeout(() => child.kill('SIGKILL'), HARD_LIMIT_MS);
    child.once('error', reject);
    child.once('close', () => {
      clearTimeout(limit);
      resolve();
    });
  });
  await new Promise((resolve) => out.end(resolve));
}

async function listSpecs(e2eTest: string, kubeconfig: string, path: string): Promise<string[]> {
  const dir = join(outDir, 'list');
  await mkdir(dir, { recursive: true });
  await e2e(e2eTest, listArgs(kubeconfig, dir), join(dir, 'e2e.log'), path);
  const report = await readReport(dir);
  if (report === undefined) throw new Error(`the dry run wrote no report; see ${join(dir, 'e2e.log')}`);
  const specs = selectedSpecs(report);
  if (specs.length === 0) throw new Error('the dry run selected no spec');
  return focus === undefined ? specs : specs.filter((name) => focus.test(shortName(name)));
}

async function runSpecs(cluster: RealCluster, e2eTest: string, path: string): Promise<Row[]> {
  const specs = await listSpecs(e2eTest, cluster.kubeconfigPath, path);
  const rows: Row[] = [];
  for (const [index, name] of specs.entries()) {
    const dir = join(outDir, `spec-${String(index + 1).padStart(2, '0')}`);
    await mkdir(dir, { recursive: true });
    const log = join(dir, 'e2e.log');
    say(`${index + 1}/${specs.length} ${shortName(name)}`);
    const run = { e2eTest, kubeconfig: cluster.kubeconfigPath, reportDir: dir, timeout: specTimeout };
    await e2e(e2eTest, specArgs(run, name), log, path);
    const row = rowOf(name, await readReport(dir), log);
    say(`  ${row.outcome} in ${Math.round(row.seconds)} s${row.reason === '' ? '' : `: ${row.reason}`}`);
    rows.push(row);
  }
  return rows;
}

async function main(): Promise<number> {
  const started = Date.now();
  const support = await nodeSupport();
  if (!support.ok) throw new Error(`make conformance needs a real node: ${support.reason}`);
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });

  say('building or reusing e2e.test, agnhost, coredns (hack/build-conformance.sh)');
  const assets = (await run('bash', [join(PROJECT_ROOT, 'hack', 'build-conformance.sh')])).trim();
  const controlPlane = (await run('bash', [join(PROJECT_ROOT, 'hack', 'build-control-plane.sh')])).trim();
  const images = await conformanceImages(assets);
  step('building or reusing the operator image (make image)');
  const operator = await buildOperatorImage();
  const prepared = Date.now();

  const cluster = await startRealCluster({ nodes, dir: join(outDir, 'cluster'), verbose: true });
  try {
    for (const archive of [images.agnhost, images.coredns, operator.path]) await cluster.importImage(archive);
    say('installing DNS (CoreDNS at 10.96.0.10) and the operator (deploy/overlays/local)');
    await installDns(cluster.kubectl.bind(cluster));
    await installOperator(cluster.kubectl.bind(cluster));
    const ready = Date.now();
    const path = `${controlPlane}:${env['PATH'] ?? ''}`;
    const rows = await runSpecs(cluster, join(assets, 'e2e.test'), path);
    const finished = Date.now();
    const minutes = (from: number, to: number) => `${((to - from) / 60_000).toFixed(1)} min`;
    const table = [
      markdownTable(rows),
      '',
      `${summary(rows)}, ${nodes} node(s). Build and images ${minutes(started, prepared)}, cluster up ${minutes(prepared, ready)}, specs ${minutes(ready, finished)}.`,
    ].join('\n');
    await writeFile(join(outDir, 'table.md'), `${table}\n`);
    process.stdout.write(`${table}\n`);
    return rows.some((row) => row.outcome === 'failed') ? 1 : 0;
  } finally {
    say('stopping the cluster');
    await cluster.stop();
  }
}

process.exitCode = await main();
