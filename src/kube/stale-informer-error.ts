/** The informer heard nothing (list, connect, event) from the API server for staleAfterMs. */
export class StaleInformerError extends Error {
  override readonly name = 'StaleInformerError';
}
