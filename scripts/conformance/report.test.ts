// From e2e.test's JUnit report to the table: the shape Ginkgo v2 writes (a dry run's selected and
// filtered-out specs, a spec's own Skipf, a failure), the focus that picks exactly one spec, and
// the rows a reader sees.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseJUnit } from './junit.ts';
import { focusOn, goDurationMs, selectedSpecs, shortName } from './specs.ts';
import { markdownTable, rowOf, summary } from './table.ts';

const CLEANUP =
  '[It] [sig-network] LoadBalancers [Feature:LoadBalancer] should handle load balancer cleanup finalizer for service [Slow]';
const SOURCE_RANGES =
  '[It] [sig-network] LoadBalancers [Feature:LoadBalancer] should only allow access from service loadbalancer source ranges [Slow]';
const FROM_PODS =
  '[It] [sig-network] LoadBalancers ExternalTrafficPolicy: Local [Feature:LoadBalancer] [Slow] should work from pods';

const REPORT = `<?xml version="1.0" encoding="UTF-8"?>
  <testsuites tests="5" disabled="0" errors="0" failures="1" time="61.2">
      <testsuite name="Kubernetes e2e suite" package="/tmp" tests="5" skipped="3" failures="1" time="61.2">
          <testcase name="[SynchronizedBeforeSuite]" classname="Kubernetes e2e suite" status="passed" time="2.1"></testcase>
          <testcase name="${CLEANUP}" classname="Kubernetes e2e suite" status="failed" time="45.5">
              <failure type="failed">[FAILED] Timed out after 60.000s.
finalizer &#34;service.kubernetes.io/load-balancer-cleanup&#34; was not added
In [It] at: loadbalancer.go:620</failure>
          </testcase>
          <testcase name="${SOURCE_RANGES}" classname="Kubernetes e2e suite" status="skipped" time="3.5">
              <skipped message="skipped - Requires at least 2 nodes (not 1)"></skipped>
          </testcase>
          <testcase name="[It] [sig-api-machinery] API Streaming doesn&#39;t apply" classname="Kubernetes e2e suite" status="skipped" time="0">
              <skipped message="skipped"></skipped>
          </testcase>
          <testcase name="${FROM_PODS}" classname="Kubernetes e2e suite" status="passed" time="12.25"></testcase>
      </testsuite>
  </testsuites>`;

test('the report gives each spec its status, time and reason, entities decoded', () => {
  const specs = parseJUnit(REPORT);
  assert.equal(specs.length, 5);
  assert.deepEqual(specs[1], {
    name: CLEANUP,
    status: 'failed',
    seconds: 45.5,
    message: '[FAILED] Timed out after 60.000s.',
  });
  assert.deepEqual(specs[2], {
    name: SOURCE_RANGES,
    status: 'skipped',
    seconds: 3.5,
    message: 'Requires at least 2 nodes (not 1)',
  });
  assert.deepEqual(specs[3], {
    name: "[It] [sig-api-machinery] API Streaming doesn't apply",
    status: 'skipped',
    seconds: 0,
  });
});

test('a report with a status Ginkgo does not write is refused, not read as something else', () => {
  assert.throws(() => parseJUnit('<testcase name="x" status="maybe" time="1"></testcase>'), /known status/);
});

test("a dry run's selection is its passed [It] specs", () => {
  // Only the dry run's passed specs count: a real run's failure or a filtered spec is no selection.
  assert.deepEqual(selectedSpecs(parseJUnit(REPORT)), [FROM_PODS]);
});

test('the focus matches its own spec and no other (Ginkgo matches it against the full text)', () => {
  const names = [CLEANUP, SOURCE_RANGES, FROM_PODS];
  for (const name of names) {
    const focus = new RegExp(focusOn(name));
    assert.deepEqual(
      names.filter((other) => focus.test(other.replace(/^\[It\] /, ''))),
      [name],
    );
  }
});

test('rows: the short name, the reason of a skip and of a failure, and a spec with no report', () => {
  const report = parseJUnit(REPORT);
  const rows = [
    rowOf(FROM_PODS, report, 'spec-01/e2e.log'),
    rowOf(SOURCE_RANGES, report, 'spec-02/e2e.log'),
    rowOf(CLEANUP, report, 'spec-03/e2e.log'),
    rowOf(CLEANUP, undefined, 'spec-04/e2e.log'),
  ];
  assert.equal(shortName(FROM_PODS), 'LoadBalancers ExternalTrafficPolicy: Local should work from pods');
  assert.deepEqual(
    rows.map((row) => [row.outcome, row.reason]),
    [
      ['passed', ''],
      ['skipped', 'Requires at least 2 nodes (not 1)'],
      ['failed', 'failed: [FAILED] Timed out after 60.000s.'],
      ['failed', 'no result in the report; see spec-04/e2e.log'],
    ],
  );
  const table = markdownTable(rows).split('\n');
  assert.equal(table.length, 2 + rows.length);
  assert.equal(table[2], '| LoadBalancers ExternalTrafficPolicy: Local should work from pods | passed | 12 s |  |');
  assert.equal(summary(rows), '4 specs: 1 passed, 2 failed, 1 skipped');
});

test('a spec timeout is read as Go writes durations, and anything else is refused', () => {
  assert.equal(goDurationMs('10m'), 600_000);
  assert.equal(goDurationMs('1h30m'), 5_400_000);
  assert.equal(goDurationMs('90s'), 90_000);
  assert.throws(() => goDurationMs('10'), /not a duration/);
  assert.throws(() => goDurationMs('10 minutes'), /not a duration/);
});
