export { PermanentError } from './permanent-error.ts';
export { ProviderError } from './provider-error.ts';
export { RetryAfterError } from './retry-after-error.ts';
