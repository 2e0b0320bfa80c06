// GCE's JSON error envelope, as the real API sends it: HTTP status, the legacy `errors[]` list with
// a `reason`, and a google.rpc.ErrorInfo detail so clients can classify by code, not by message.

export class GceApiError extends Error {
  override readonly name = 'GceApiError';
  readonly httpStatus: number;
  /** Legacy reason, e.g. notFound, alreadyExists, resourceInUseByAnotherResource. */
  readonly reason: string;
  /** ErrorInfo reason / operation error code, e.g. RESOURCE_NOT_FOUND, QUOTA_EXCEEDED. */
  readonly code: string;

  constructor(httpStatus: number, reason: string, code: string, message: string) {
    super(message);
    this.httpStatus = httpStatus;
    this.reason = reason;
    this.code = code;
  }

  toJSON(): unknown {
    return {
      error: {
        code: this.httpStatus,
        message: this.message,
        errors: [{ domain: 'global', reason: this.reason, message: this.message }],
        details: [
          {
            '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
            reason: this.code,
            domain: 'compute.googleapis.com',
            metadata: {},
          },
        ],
      },
    };
  }
}

export const notFound = (what: string): GceApiError =>
  new GceApiError(404, 'notFound', 'RESOURCE_NOT_FOUND', `The resource '${what}' was not found`);

export const alreadyExists = (what: string): GceApiError =>
  new GceApiError(409, 'alreadyExists', 'RESOURCE_ALREADY_EXISTS', `The resource '${what}' already exists`);

export const invalid = (field: string, message: string): GceApiError =>
  new GceApiError(400, 'invalid', 'INVALID_FIELD_VALUE', `Invalid value for field '${field}': ${message}`);

export const inUse = (what: string, by: string): GceApiError =>
  new GceApiError(
    400,
    'resourceInUseByAnotherResource',
    'RESOURCE_IN_USE_BY_ANOTHER_RESOURCE',
    `The resource '${what}' is already being used by '${by}'`,
  );

export const quotaExceeded = (metric: string, limit: number): GceApiError =>
  new GceApiError(403, 'quotaExceeded', 'QUOTA_EXCEEDED', `Quota '${metric}' exceeded. Limit: ${limit} in region.`);

export const conditionNotMet = (what: string): GceApiError =>
  new GceApiError(
    412,
    'conditionNotMet',
    'CONDITION_NOT_MET',
    `Supplied fingerprint does not match current fingerprint of '${what}'`,
  );
