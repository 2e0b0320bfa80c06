// Injectable faults: an HTTP error, an operation that finishes with an error, or added latency,
// for one method (`forwardingRules.insert`) or all (`*`), a number of times.

export interface FaultSpec {
  /** `collection.verb` as counted by the fake, e.g. `regionBackendServices.insert`, or `*`. */
  readonly method: string;
  /** How many requests it hits; -1 = until cleared. Default 1. */
  readonly times?: number;
  /** Shorthand: rateLimit (429), unavailable (503), internal (500), quota (operation QUOTA_EXCEEDED). */
  readonly preset?: 'rateLimit' | 'unavailable' | 'internal' | 'quota';
  readonly httpStatus?: number;
  readonly reason?: string;
  /** ErrorInfo reason / operation error code. */
  readonly code?: string;
  /** Deliver the error in the operation (DONE with `error`) instead of the HTTP response. Mutations only. */
  readonly inOperation?: boolean;
  readonly latencyMs?: number;
}

export interface Fault {
  readonly method: string;
  remaining: number;
  readonly httpStatus: number | undefined;
  readonly reason: string;
  readonly code: string;
  readonly inOperation: boolean;
  readonly latencyMs: number;
}

const PRESETS = {
  rateLimit: { httpStatus: 429, reason: 'rateLimitExceeded', code: 'RATE_LIMIT_EXCEEDED', inOperation: false },
  unavailable: { httpStatus: 503, reason: 'backendError', code: 'SERVICE_UNAVAILABLE', inOperation: false },
  internal: { httpStatus: 500, reason: 'backendError', code: 'INTERNAL_ERROR', inOperation: false },
  quota: { httpStatus: 403, reason: 'quotaExceeded', code: 'QUOTA_EXCEEDED', inOperation: true },
} as const;

export function toFault(spec: FaultSpec): Fault {
  const preset = spec.preset ? PRESETS[spec.preset] : undefined;
  const times = spec.times ?? 1;
  return {
    method: spec.method,
    remaining: times < 0 ? Number.POSITIVE_INFINITY : times,
    httpStatus: spec.httpStatus ?? preset?.httpStatus,
    reason: spec.reason ?? preset?.reason ?? 'injected',
    code: spec.code ?? preset?.code ?? 'INJECTED',
    inOperation: spec.inOperation ?? preset?.inOperation ?? false,
    latencyMs: spec.latencyMs ?? 0,
  };
}

export class Faults {
  #faults: Fault[] = [];

  add(spec: FaultSpec): void {
    this.#faults.push(toFault(spec));
  }

  clear(): void {
    this.#faults = [];
  }

  /** The first fault that applies to this request, consumed. */
  take(method: string, isMutation: boolean): Fault | undefined {
    const fault = this.#faults.find(
      (f) => f.remaining > 0 && (f.method === '*' || f.method === method) && (!f.inOperation || isMutation),
    );
    if (fault) fault.remaining -= 1;
    return fault;
  }
}
