import { test } from 'node:test';
import assert from 'node:assert/strict';
import { picksNodesByLabel } from './informers.ts';
import { builtinRegistry } from '../provider/builtin.ts';

test('a Service picks nodes by label only when it carries a nodeLabelAnnotation of a registered type', () => {
  const picks = picksNodesByLabel(builtinRegistry().nodeLabelAnnotations());
  const annotated = (annotations: Record<string, string>) => ({ metadata: { annotations } });
  assert.equal(picks(annotated({ 'service.beta.kubernetes.io/aws-load-balancer-target-node-labels': 'a=b' })), true);
  assert.equal(picks(annotated({ 'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal' })), false);
  assert.equal(picks({ metadata: {} }), false);
});
