// Which specs the conformance run takes, and the e2e.test command line of one of them (pure).
// Each spec runs in its own e2e.test with its own --ginkgo.timeout: a spec that never gets a load
// balancer would otherwise wait the suite's 15 minutes, and one stuck spec would end the others.
import type { SpecResult } from './junit.ts';

/** The label every load-balancer spec of the v1.34 suite carries (framework.WithFeature). */
export const LOAD_BALANCER_LABEL = 'Feature: containsAny LoadBalancer';

export interface SpecRun {
  readonly e2eTest: string;
  readonly kubeconfig: string;
  readonly reportDir: string;
  /** Ginkgo's timeout for this one spec, e.g. `10m`. */
  readonly timeout: string;
}

/** Common to listing and running: the cluster, the provider name the suite's skips look at. */
function suiteArgs(kubeconfig: string, reportDir: string): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    '--provider=local',
    `--report-dir=${reportDir}`,
    `--ginkgo.label-filter=${LOAD_BALANCER_LABEL}`,
    '--ginkgo.no-color',
  ];
}

/** A dry run: every spec the label selects, reported as passed without running. */
export function listArgs(kubeconfig: string, reportDir: string): string[] {
  return [...suiteArgs(kubeconfig, reportDir), '--ginkgo.dry-run'];
}

/** The specs a dry run selected (Ginkgo reports the filtered-out ones as skipped). */
export function selectedSpecs(dryRun: readonly SpecResult[]): string[] {
  return dryRun
    .filter((spec) => spec.status === 'passed' && spec.name.startsWith('[It] '))
    .map((spec) => spec.name)
    .sort();
}

/** RE2 (Go's regexp) needs these escaped like JavaScript does. */
export function escapeRegex(text: string): string {
  return text.replaceAll(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

/**
 * Ginkgo focuses on a spec's full text: the report's name without the leaf type. Anchored at the
 * end only: the text Ginkgo matches starts with more than the report shows, so `^` matches nothing.
 */
export function focusOn(reportName: string): string {
  return `${escapeRegex(reportName.replace(/^\[It\] /, ''))}$`;
}

export function specArgs(run: SpecRun, reportName: string): string[] {
  return [
    ...suiteArgs(run.kubeconfig, run.reportDir),
    `--ginkgo.focus=${focusOn(reportName)}`,
    `--ginkgo.timeout=${run.timeout}`,
    '--ginkgo.v',
  ];
}

/** The spec's words without what every row shares: `[It] [sig-network]`, the feature tag, `[Slow]`. */
export function shortName(reportName: string): string {
  return reportName
    .replace(/^\[It\] \[sig-network\] /, '')
    .replaceAll(/ ?\[(Feature:LoadBalancer|Slow|LinuxOnly)\]/g, '')
    .trim();
}

const UNIT_MS: Readonly<Record<string, number>> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/** A Go duration as Ginkgo's --timeout takes it (`10m`, `1h30m`, `90s`), in milliseconds. */
export function goDurationMs(text: string): number {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text)
    throw new Error(`not a duration like 10m or 1h30m: ${text}`);
  return parts.reduce((sum, [, value, unit]) => sum + Number(value) * (UNIT_MS[unit ?? ''] ?? 0), 0);
}
