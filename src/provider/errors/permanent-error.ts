/**
 * Input the cloud will never accept as it is (a malformed annotation, an impossible combination).
 * The controller reports it once as a Warning event and a condition, and does not retry until the
 * Service (or its provider) changes.
 */
export class PermanentError extends Error {
  override readonly name = 'PermanentError';
  /** The field a user would fix, as written in YAML; undefined when no single field is at fault. */
  readonly field: string | undefined;

  constructor(message: string, options: { field?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.field = options.field;
  }
}
