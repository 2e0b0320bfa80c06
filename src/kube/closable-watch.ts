import { Watch } from '@kubernetes/client-node';

/**
 * client-node's Watch, closable for good. ListWatch.stop() only aborts a watch whose request has
 * already been answered; one still connecting stays open (and alive) until the 30 s inactivity
 * timeout. close() aborts the current request and any that finishes connecting afterwards.
 */
export class ClosableWatch extends Watch {
  #closed = false;
  #current: AbortController | undefined;

  override async watch(...args: Parameters<Watch['watch']>): Promise<AbortController> {
    if (this.#closed) throw new Error('watch closed');
    const controller = await super.watch(...args);
    if (this.#closed) controller.abort();
    else this.#current = controller;
    return controller;
  }

  close(): void {
    this.#closed = true;
    this.#current?.abort();
    this.#current = undefined;
  }
}
