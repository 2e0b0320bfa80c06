import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProviderError } from '../../src/provider/errors/index.ts';
import { classifyAwsError, isInvalidInput, isNotFound, isRetryable, isThrottling } from './errors.ts';

function sdkError(name: string, status: number | undefined, fault: 'client' | 'server' = 'client') {
  return Object.assign(new Error('text is never read'), {
    name,
    $fault: fault,
    $metadata: status === undefined ? {} : { httpStatusCode: status },
  });
}

test('throttling by code, 5xx by status, dropped connections by socket code', () => {
  assert.equal(isThrottling(sdkError('Throttling', 400)), true);
  assert.equal(isRetryable(sdkError('RequestLimitExceeded', 503)), true);
  assert.equal(isRetryable(sdkError('InternalFailure', 500, 'server')), true);
  assert.equal(isRetryable(Object.assign(new Error('x'), { code: 'ECONNRESET' })), true);
  assert.equal(isRetryable(sdkError('ValidationError', 400)), false);
  assert.equal(isRetryable(sdkError('LoadBalancerNotFound', 400)), false);
});

test('not found and invalid input by code, also through ProviderError', () => {
  assert.equal(isNotFound(sdkError('TargetGroupNotFoundException', 400)), true);
  assert.equal(
    isNotFound(new ProviderError('x', { operation: 'elbv2:DeleteListener', code: 'ListenerNotFound' })),
    true,
  );
  assert.equal(isInvalidInput(sdkError('ValidationError', 400)), true);
  assert.equal(isInvalidInput(sdkError('Throttling', 400)), false);
});

test('the seam retries throttling and 5xx, gives up on invalid input, reports the rest with its code', () => {
  const cases: [unknown, ReturnType<typeof classifyAwsError>][] = [
    [sdkError('Throttling', 400), { kind: 'throttled', code: 'Throttling' }],
    [sdkError('Anything', 429), { kind: 'throttled', code: 'Anything' }],
    [sdkError('InternalFailure', 500, 'server'), { kind: 'retryable', code: 'InternalFailure' }],
    [Object.assign(new Error('x'), { code: 'ECONNRESET' }), { kind: 'retryable', code: 'ECONNRESET' }],
    [sdkError('ValidationError', 400), { kind: 'invalid', code: 'ValidationError' }],
    [sdkError('LoadBalancerNotFound', 400), { kind: 'final', code: 'LoadBalancerNotFound' }],
    [sdkError('ResourceInUse', 400), { kind: 'final', code: 'ResourceInUse' }],
  ];
  for (const [error, failure] of cases) assert.deepEqual(classifyAwsError(error), failure);
});

test('a quota AWS refuses is permanent and names the field a user would change', () => {
  assert.deepEqual(classifyAwsError(sdkError('TooManyListeners', 400)), {
    kind: 'invalid',
    code: 'TooManyListeners',
    field: 'spec.ports',
  });
  assert.deepEqual(classifyAwsError(sdkError('TooManyTargetGroupsException', 400)), {
    kind: 'invalid',
    code: 'TooManyTargetGroupsException',
    field: 'spec.ports',
  });
  assert.deepEqual(classifyAwsError(sdkError('TooManyTags', 400)), {
    kind: 'invalid',
    code: 'TooManyTags',
    field: 'metadata.annotations[service.beta.kubernetes.io/aws-load-balancer-additional-resource-tags]',
  });
});
