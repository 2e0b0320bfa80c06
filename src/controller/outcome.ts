/** The closed set of results a reconcile can have; the worker maps each onto the queue. */
export type Outcome =
  | { readonly kind: 'done' }
  | { readonly kind: 'requeueAfter'; readonly delayMs: number }
  | { readonly kind: 'retry'; readonly error: unknown }
  | { readonly kind: 'permanent' };

export const DONE: Outcome = { kind: 'done' };
export const PERMANENT: Outcome = { kind: 'permanent' };
