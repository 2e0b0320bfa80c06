/**
 * A cloud call that failed for a reason worth retrying (network, 5xx, throttling after the SDK's
 * own retries). Any error that is neither Permanent nor RetryAfter is treated as transient; this
 * class exists to carry the operation and the cloud's error code with the cause.
 */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  /** The cloud operation, e.g. `elbv2:CreateTargetGroup` or `compute:forwardingRules.insert`. */
  readonly operation: string;
  /** The cloud's own error code, when it gave one (`Throttling`, `RESOURCE_IN_USE_BY_ANOTHER_RESOURCE`). */
  readonly code: string | undefined;

  constructor(message: string, options: { operation: string; code?: string; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.operation = options.operation;
    this.code = options.code;
  }
}
