// Every AWS request goes through `AwsCaller.call`: the provider's token bucket, the call counter,
// and one bounded retry loop with jittered backoff for throttling, 5xx and dropped connections.
import pRetry from 'p-retry';
import { PermanentError, ProviderError } from '../../src/provider/errors/index.ts';
import { errorCode, isInvalidInput, isRetryable, isThrottling } from './errors.ts';
import type { TokenBucket } from './token-bucket.ts';

export interface RetryPolicy {
  readonly retries: number;
  readonly minTimeoutMs: number;
  readonly maxTimeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 6, minTimeoutMs: 200, maxTimeoutMs: 5_000 };

export class AwsCaller {
  readonly #bucket: TokenBucket;
  readonly #countCall: (operation: string) => void;
  readonly #retry: RetryPolicy;

  constructor(options: { bucket: TokenBucket; countCall: (operation: string) => void; retry?: RetryPolicy }) {
    this.#bucket = options.bucket;
    this.#countCall = options.countCall;
    this.#retry = options.retry ?? DEFAULT_RETRY;
  }

  /**
   * Runs one AWS operation (`elbv2:CreateTargetGroup`). Rejects with PermanentError when AWS says
   * the request itself is invalid, else with ProviderError carrying the AWS error code.
   */
  async call<T>(
    operation: string,
    signal: AbortSignal,
    send: (abortSignal: AbortSignal) => Promise<T>,
    options: { idempotent?: boolean } = {},
  ): Promise<T> {
    // A create whose answer was lost may have happened: retrying it blindly could make a second
    // resource (moto does; AWS may). Such calls are retried only when AWS surely refused them
    // (throttling); otherwise the error goes up and the next ensure reads what exists first.
    const retryable = options.idempotent === false ? isThrottling : isRetryable;
    try {
      return await pRetry(
        async () => {
          await this.#bucket.take(signal);
          this.#countCall(operation);
          return send(signal);
        },
        {
          retries: this.#retry.retries,
          minTimeout: this.#retry.minTimeoutMs,
          maxTimeout: this.#retry.maxTimeoutMs,
          factor: 2,
          randomize: true,
          signal,
          shouldRetry: ({ error }) => retryable(error),
        },
      );
    } catch (error) {
      if (signal.aborted) throw error;
      const code = errorCode(error);
      const detail = error instanceof Error ? error.message : String(error);
      if (isInvalidInput(error)) {
        throw new PermanentError(`AWS rejected ${operation} (${code}): ${detail}`, { cause: error });
      }
      throw new ProviderError(`${operation} failed${code === undefined ? '' : ` (${code})`}: ${detail}`, {
        operation,
        ...(code !== undefined && { code }),
        cause: error,
      });
    }
  }
}
