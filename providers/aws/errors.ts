// Classifies AWS SDK errors by their code (the error's name) and HTTP status — never by message.
// classifyAwsError is AWS's part of the cloud-call seam (src/provider/cloud-call.ts).
import type { Failure } from '../../src/provider/cloud-call.ts';
import { PermanentError, ProviderError } from '../../src/provider/errors/index.ts';
import { ANNOTATION_PREFIX } from './annotations.ts';

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  $metadata?: { httpStatusCode?: number };
  $fault?: unknown;
}

const THROTTLING_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'SlowDown',
  'EC2ThrottledException',
]);

/** Socket-level failures: the request may not have reached AWS, or its answer was lost. */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
]);
const NETWORK_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);

export function errorCode(error: unknown): string | undefined {
  if (error instanceof ProviderError) return error.code;
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as SdkErrorShape;
  for (const candidate of [e.Code, e.name, e.code])
    if (typeof candidate === 'string' && candidate !== 'Error') return candidate;
  return undefined;
}

export function httpStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  return (error as SdkErrorShape).$metadata?.httpStatusCode;
}

export function isThrottling(error: unknown): boolean {
  const code = errorCode(error);
  return (code !== undefined && THROTTLING_CODES.has(code)) || httpStatus(error) === 429;
}

function isNetwork(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as SdkErrorShape;
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return true;
  if (typeof e.name === 'string' && NETWORK_NAMES.has(e.name)) return true;
  // An SDK error without an HTTP status never got a response (socket closed, parse of nothing).
  return e.$metadata?.httpStatusCode === undefined && e.$fault !== undefined;
}

/** Worth another attempt: throttling, a 5xx, or a connection that failed before an answer. */
export function isRetryable(error: unknown): boolean {
  const status = httpStatus(error);
  return isThrottling(error) || (status !== undefined && status >= 500) || isNetwork(error);
}

/** The resource is gone: deleting it again or describing it is a "nothing to do". */
const NOT_FOUND_CODES = new Set([
  'LoadBalancerNotFound',
  'LoadBalancerNotFoundException',
  'TargetGroupNotFound',
  'TargetGroupNotFoundException',
  'ListenerNotFound',
  'ListenerNotFoundException',
  'InvalidGroup.NotFound',
  'InvalidPermission.NotFound',
]);

export function isNotFound(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && NOT_FOUND_CODES.has(code);
}

/** Codes that mean the request itself can never succeed as written (our input, the user's IDs). */
const INVALID_INPUT_CODES = new Set([
  'ValidationError',
  'InvalidConfigurationRequest',
  'InvalidConfigurationRequestException',
  'InvalidSubnet',
  'InvalidSubnetException',
  'SubnetNotFound',
  'SubnetNotFoundException',
  'AllocationIdNotFound',
  'AllocationIdNotFoundException',
  'InvalidSchemeException',
  'InvalidScheme',
  'InvalidTarget',
  'InvalidTargetException',
  'InvalidSecurityGroup',
  'InvalidSecurityGroupException',
  'UnsupportedProtocol',
  'UnsupportedProtocolException',
]);

export function isInvalidInput(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && INVALID_INPUT_CODES.has(code);
}

/**
 * RegisterTargets named an instance that does not exist or is not running; AWS then refuses the
 * whole call. The cloud-call seam turns it into a PermanentError whose cause is the SDK error.
 */
export function isInvalidTarget(error: unknown): boolean {
  const code = errorCode(error instanceof PermanentError ? error.cause : error);
  return code === 'InvalidTarget' || code === 'InvalidTargetException';
}

/**
 * Quotas only AWS can decide (one raised for the account, say), each mapped to the field a user
 * would change. We check the documented defaults first (validate.ts, annotations.ts); when AWS
 * still refuses, the refusal is permanent until the Service changes, not retried forever.
 */
const QUOTA_FIELDS: ReadonlyMap<string, string> = new Map([
  ['TooManyListeners', 'spec.ports'],
  ['TooManyListenersException', 'spec.ports'],
  ['TooManyTargetGroups', 'spec.ports'],
  ['TooManyTargetGroupsException', 'spec.ports'],
  ['TooManyTags', `metadata.annotations[${ANNOTATION_PREFIX}additional-resource-tags]`],
  ['TooManyTagsException', `metadata.annotations[${ANNOTATION_PREFIX}additional-resource-tags]`],
]);

/** The user's field a quota or name error from AWS is about, by its code. */
export function quotaField(error: unknown): string | undefined {
  const code = errorCode(error);
  return code === undefined ? undefined : QUOTA_FIELDS.get(code);
}

/** AWS still holds a dependency (an NLB not yet fully deleted, ENIs in a security group). */
export function isStillInUse(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ResourceInUse' || code === 'ResourceInUseException' || code === 'DependencyViolation';
}

/** How the cloud-call seam treats a failed AWS request: retry it, give up for good, or report it. */
export function classifyAwsError(error: unknown): Failure {
  const code = errorCode(error);
  if (isThrottling(error)) return { kind: 'throttled', code };
  if (isRetryable(error)) return { kind: 'retryable', code };
  const field = quotaField(error);
  if (field !== undefined) return { kind: 'invalid', code, field };
  if (isInvalidInput(error)) return { kind: 'invalid', code };
  return { kind: 'final', code };
}
