/**
 * Classify Kubernetes API failures by HTTP status code, never by message text.
 * client-node's generated clients throw ApiException (`code`); its Watch fails with `statusCode`.
 */
export function httpStatus(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { code, statusCode } = err as { code?: unknown; statusCode?: unknown };
  if (typeof code === 'number' && code >= 100 && code < 600) return code;
  if (typeof statusCode === 'number' && statusCode >= 100 && statusCode < 600) return statusCode;
  return undefined;
}

export function isNotFound(err: unknown): boolean {
  return httpStatus(err) === 404;
}

export function isConflict(err: unknown): boolean {
  return httpStatus(err) === 409;
}

/**
 * Worth trying again: no HTTP answer at all (connection refused/reset, timeout), throttling,
 * or a server-side failure. Any other 4xx means the request itself is wrong.
 */
export function isRetryable(err: unknown): boolean {
  const status = httpStatus(err);
  return status === undefined || status === 429 || status >= 500;
}
