import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Target } from '../../src/provider/contract.ts';
import { awsTargetProblem } from './targets.ts';

const target = (providerID?: string): Target => ({
  nodeName: 'n',
  ...(providerID !== undefined ? { providerID } : {}),
  addresses: [],
  labels: {},
});

test('awsTargetProblem: aws:///<zone in the region>/i-… is a target; anything else says why', () => {
  const table: [string | undefined, string | undefined][] = [
    ['aws:///us-east-1a/i-0123abc', undefined],
    ['aws:///us-east-1-bos-1a/i-0123abc', undefined],
    ['aws:////i-0123abc', undefined],
    [undefined, 'noProviderID'],
    ['', 'noProviderID'],
    ['gce://p/z/n', 'elsewhere'],
    ['kind://docker/kind/kind-node', 'elsewhere'],
    ['aws:///us-east-1a/not-an-instance', 'malformedProviderID'],
    ['aws://us-east-1a/i-0123abc', 'malformedProviderID'],
    ['aws:///eu-west-1a/i-0123abc', 'elsewhere'],
  ];
  for (const [providerID, kind] of table)
    assert.equal(awsTargetProblem(target(providerID), 'us-east-1')?.kind, kind, String(providerID));
  assert.equal(awsTargetProblem(target('aws:///eu-west-1a/i-0123abc')), undefined, 'no region: the form only');
  assert.equal(
    awsTargetProblem(target('aws:///eu-west-1a/i-0123abc'), 'us-east-1')?.reason,
    'instance i-0123abc is in eu-west-1a, not in region us-east-1',
  );
});
