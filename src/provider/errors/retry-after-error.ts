/**
 * The cloud is still working (a load balancer provisioning, an operation pending). Not a failure:
 * the controller requeues the Service after `delayMs` without counting it as an error.
 */
export class RetryAfterError extends Error {
  override readonly name = 'RetryAfterError';
  readonly delayMs: number;

  constructor(message: string, delayMs: number, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.delayMs = delayMs;
  }
}
