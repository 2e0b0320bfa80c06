// The one seam every provider's cloud requests go through: the provider's rate limit, a count of
// every attempt, one bounded retry loop with jittered backoff, and the final error turned into
// PermanentError (the request can never succeed as written) or ProviderError (anything else,
// carrying the cloud's code). Each cloud supplies only how to read its errors (`classify`).
import pRetry from 'p-retry';
import type { Logger } from 'pino';
import { PermanentError, ProviderError } from './errors/index.ts';

/**
 * What the seam does with a failed attempt:
 * - `throttled`: the cloud refused the request unread; always retried.
 * - `retryable`: a 5xx or a lost connection; the request may have taken effect, so it is retried
 *   only when repeating it is harmless (`idempotent`).
 * - `invalid`: the request can never succeed as written; not retried, becomes PermanentError.
 * - `final`: anything else (not found, in use, quota…); not retried, becomes ProviderError with
 *   `code`, which the provider reads to decide what it means.
 */
export type FailureKind = 'throttled' | 'retryable' | 'invalid' | 'final';

export interface Failure {
  readonly kind: FailureKind;
  /** The cloud's own error code, recorded on the ProviderError/PermanentError message. */
  readonly code: string | undefined;
  /**
   * For `invalid`: the field a user would change, as written in YAML, when the cloud's code names
   * one (a quota on the listeners of one load balancer → `spec.ports`). It goes on PermanentError.
   */
  readonly field?: string;
}

export interface RetryPolicy {
  readonly retries: number;
  readonly minTimeoutMs: number;
  readonly maxTimeoutMs: number;
}

export interface RateLimiter {
  /** Resolves when one call may go out; rejects with the signal's reason when it aborts first. */
  take(signal: AbortSignal): Promise<void>;
}

export interface CloudCallerOptions {
  /** The cloud as a user knows it, for messages: `AWS`, `Compute Engine`. */
  readonly cloud: string;
  /** Shared by every call of one provider: one limit for the whole provider. */
  readonly limiter: RateLimiter;
  /** Called once per attempt that goes out (the metrics hook from ProviderContext). */
  readonly countCall: (operation: string) => void;
  readonly retry: RetryPolicy;
  readonly classify: (error: unknown) => Failure;
  readonly log?: Logger;
}

export interface CallOptions {
  /**
   * False for a create whose lost answer may still have made a resource: retrying it blindly could
   * make a second one. Such calls are retried only on throttling; otherwise the error goes up and
   * the next ensure reads what exists first. Default true.
   */
  readonly idempotent?: boolean;
  /** What the call acts on (a resource name), for messages and logs. */
  readonly target?: string;
}

export class CloudCaller {
  readonly #options: CloudCallerOptions;

  constructor(options: CloudCallerOptions) {
    this.#options = options;
  }

  /**
   * Runs one cloud operation (`elbv2:CreateTargetGroup`, `compute:forwardingRules.insert`).
   * Rejects with the signal's reason when aborted, else with PermanentError or ProviderError.
   */
  async call<T>(
    operation: string,
    signal: AbortSignal,
    send: (signal: AbortSignal) => Promise<T>,
    options: CallOptions = {},
  ): Promise<T> {
    const { limiter, countCall, retry, classify, log } = this.#options;
    const retried: ReadonlySet<FailureKind> = new Set(
      options.idempotent === false ? ['throttled'] : ['throttled', 'retryable'],
    );
    try {
      return await pRetry(
        async () => {
          await limiter.take(signal);
          countCall(operation);
          return send(signal);
        },
        {
          retries: retry.retries,
          minTimeout: retry.minTimeoutMs,
          maxTimeout: retry.maxTimeoutMs,
          factor: 2,
          randomize: true,
          signal,
          shouldRetry: ({ error }) => retried.has(classify(error).kind),
          onFailedAttempt: ({ error, attemptNumber }) => {
            log?.debug({ operation, target: options.target, attemptNumber, code: classify(error).code }, 'call failed');
          },
        },
      );
    } catch (error) {
      if (signal.aborted) throw error;
      throw this.failed(operation, options.target, classify(error), error);
    }
  }

  /** The error a failure of `operation` becomes; also for failures the cloud reports later (a finished operation). */
  failed(
    operation: string,
    target: string | undefined,
    failure: Failure,
    cause: unknown,
    detail = messageOf(cause),
  ): Error {
    const what = target === undefined ? operation : `${operation} ${target}`;
    const code = failure.code === undefined ? '' : ` (${failure.code})`;
    if (failure.kind === 'invalid') {
      const field = failure.field === undefined ? {} : { field: failure.field };
      return new PermanentError(`${this.#options.cloud} rejected ${what}${code}: ${detail}`, { ...field, cause });
    }
    return new ProviderError(`${what} failed${code}: ${detail}`, {
      operation,
      ...(failure.code !== undefined && { code: failure.code }),
      cause,
    });
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
