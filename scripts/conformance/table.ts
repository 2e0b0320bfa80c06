// The run's outcome as a Markdown table (printed, and pasted into the README as it is).
import type { SpecResult } from './junit.ts';
import { shortName } from './specs.ts';

export type Outcome = 'passed' | 'failed' | 'skipped';

export interface Row {
  readonly spec: string;
  readonly outcome: Outcome;
  readonly seconds: number;
  /** For a skip, the suite's reason; for a failure, its first line. */
  readonly reason: string;
}

/** One spec's row from its own run's report; `undefined` when e2e.test wrote none (see `log`). */
export function rowOf(reportName: string, report: readonly SpecResult[] | undefined, log: string): Row {
  const spec = shortName(reportName);
  const result = report?.find((r) => r.name === reportName);
  if (result === undefined)
    return { spec, outcome: 'failed', seconds: 0, reason: `no result in the report; see ${log}` };
  const outcome: Outcome = result.status === 'passed' || result.status === 'skipped' ? result.status : 'failed';
  const reason =
    outcome === 'passed' ? '' : `${outcome === 'failed' ? `${result.status}: ` : ''}${result.message ?? ''}`.trim();
  return { spec, outcome, seconds: result.seconds, reason };
}

const cell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

export function markdownTable(rows: readonly Row[]): string {
  const lines = ['| spec | result | time | reason |', '|---|---|---|---|'];
  for (const row of rows)
    lines.push(`| ${cell(row.spec)} | ${row.outcome} | ${Math.round(row.seconds)} s | ${cell(row.reason)} |`);
  return lines.join('\n');
}

export function summary(rows: readonly Row[]): string {
  const count = (outcome: Outcome) => rows.filter((r) => r.outcome === outcome).length;
  return `${rows.length} specs: ${count('passed')} passed, ${count('failed')} failed, ${count('skipped')} skipped`;
}
