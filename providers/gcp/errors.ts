// Turns Compute Engine failures into a small closed set of kinds, by code: the gRPC code the
// client maps HTTP statuses to, the ErrorInfo reason, or an operation's error code. Never by
// message text. The kind travels on ProviderError as its code (KIND_CODES) and is read back with
// errorKind().
import type { Failure } from '../../src/provider/cloud-call.ts';
import { ProviderError } from '../../src/provider/errors/index.ts';

export type ErrorKind =
  'notFound' | 'alreadyExists' | 'inUse' | 'quota' | 'retryable' | 'conflict' | 'invalid' | 'other';

const RETRYABLE_CODES = new Set([2, 4, 8, 13, 14]); // UNKNOWN, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, INTERNAL, UNAVAILABLE
const RATE_REASONS = new Set(['RATE_LIMIT_EXCEEDED', 'rateLimitExceeded', 'userRateLimitExceeded']);
const QUOTA_REASONS = new Set(['QUOTA_EXCEEDED', 'quotaExceeded']);
const IN_USE_REASONS = new Set(['RESOURCE_IN_USE_BY_ANOTHER_RESOURCE', 'resourceInUseByAnotherResource']);
const CONFLICT_REASONS = new Set([
  'MEMBER_ALREADY_EXISTS',
  'MEMBER_NOT_FOUND',
  'RESOURCE_NOT_READY',
  'resourceNotReady',
  'CONDITION_NOT_MET',
]);

/** An error thrown by @google-cloud/compute (a google-gax GoogleError) or by the network. */
export function classifyApiError(error: unknown): ErrorKind {
  if (!error || typeof error !== 'object') return 'other';
  const { code, reason } = error as { code?: unknown; reason?: unknown };
  if (typeof reason === 'string') {
    if (RATE_REASONS.has(reason)) return 'retryable';
    if (QUOTA_REASONS.has(reason)) return 'quota';
    if (IN_USE_REASONS.has(reason)) return 'inUse';
    if (CONFLICT_REASONS.has(reason)) return 'conflict';
  }
  if (typeof code !== 'number') return 'retryable'; // no status at all: a network failure
  if (code === 5) return 'notFound';
  if (code === 6 || code === 10) return 'alreadyExists'; // HTTP 409 arrives as ABORTED
  if (code === 9) return 'conflict'; // HTTP 412: fingerprint changed under us
  if (RETRYABLE_CODES.has(code)) return 'retryable';
  if (code === 3 || code === 11) return 'invalid';
  return 'other';
}

/** An operation's `error.errors[].code`. */
export function classifyOperationError(code: string | null | undefined): ErrorKind {
  switch (code) {
    case 'RESOURCE_NOT_FOUND':
    case 'NOT_FOUND':
      return 'notFound';
    case 'RESOURCE_ALREADY_EXISTS':
    case 'ALREADY_EXISTS':
      return 'alreadyExists';
    case 'RESOURCE_IN_USE_BY_ANOTHER_RESOURCE':
      return 'inUse';
    case 'QUOTA_EXCEEDED':
      return 'quota';
    case 'RATE_LIMIT_EXCEEDED':
    case 'INTERNAL_ERROR':
    case 'SERVICE_UNAVAILABLE':
      return 'retryable';
    case 'INVALID_FIELD_VALUE':
    case 'INVALID_USAGE':
    case 'BAD_REQUEST':
      return 'invalid';
    default:
      return 'other';
  }
}

/** The code we record on ProviderError for a kind. */
export const KIND_CODES: Readonly<Record<ErrorKind, string>> = {
  notFound: 'NOT_FOUND',
  alreadyExists: 'ALREADY_EXISTS',
  inUse: 'RESOURCE_IN_USE_BY_ANOTHER_RESOURCE',
  quota: 'QUOTA_EXCEEDED',
  retryable: 'UNAVAILABLE',
  conflict: 'CONFLICT',
  invalid: 'INVALID_ARGUMENT',
  other: 'UNKNOWN',
};

/** The kind a ProviderError from this provider's calls carries; undefined for any other error. */
export function errorKind(error: unknown): ErrorKind | undefined {
  if (error instanceof ProviderError) {
    const entry = Object.entries(KIND_CODES).find(([, code]) => code === error.code);
    return entry?.[0] as ErrorKind | undefined;
  }
  return undefined;
}

/**
 * What the cloud-call seam does with a failed Compute Engine call. Every call is retried on
 * 'retryable' (throttling included): our names are deterministic, so an insert repeated after a
 * lost answer meets ALREADY_EXISTS instead of making a second resource.
 */
export function callFailure(error: unknown): Failure {
  const kind = classifyApiError(error);
  return { kind: kind === 'retryable' || kind === 'invalid' ? kind : 'final', code: KIND_CODES[kind] };
}

/** A delete of what is already gone is done. */
export async function ignoreNotFound(work: Promise<void>): Promise<void> {
  try {
    await work;
  } catch (error) {
    if (errorKind(error) !== 'notFound') throw error;
  }
}
