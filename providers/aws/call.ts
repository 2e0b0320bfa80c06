// AWS's configuration of the cloud-call seam (src/provider/cloud-call.ts): how AWS errors are read
// and how long to keep retrying. Every AWS request goes through `AwsCaller.call`.
import { CloudCaller, type Failure, type RetryPolicy } from '../../src/provider/cloud-call.ts';
import type { TokenBucket } from '../../src/provider/token-bucket.ts';
import { errorCode, isInvalidInput, isRetryable, isThrottling } from './errors.ts';

export type { RetryPolicy } from '../../src/provider/cloud-call.ts';

export const DEFAULT_RETRY: RetryPolicy = { retries: 6, minTimeoutMs: 200, maxTimeoutMs: 5_000 };

export function classifyAwsError(error: unknown): Failure {
  const code = errorCode(error);
  if (isThrottling(error)) return { kind: 'throttled', code };
  if (isRetryable(error)) return { kind: 'retryable', code };
  if (isInvalidInput(error)) return { kind: 'invalid', code };
  return { kind: 'final', code };
}

export class AwsCaller extends CloudCaller {
  constructor(options: { bucket: TokenBucket; countCall: (operation: string) => void; retry?: RetryPolicy }) {
    super({
      cloud: 'AWS',
      limiter: options.bucket,
      countCall: options.countCall,
      retry: options.retry ?? DEFAULT_RETRY,
      classify: classifyAwsError,
    });
  }
}
