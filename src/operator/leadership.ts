import { LeadingTerm, type TermDeps } from './term.ts';

/**
 * The term of work this replica runs while it leads: none, or one LeadingTerm. A new term starts
 * only once the previous one was ended, and none after close().
 */
export class Leadership {
  readonly #deps: TermDeps;
  readonly #identity: string;
  #term: LeadingTerm | undefined;
  #closed = false;

  constructor(deps: TermDeps, identity: string) {
    this.#deps = deps;
    this.#identity = identity;
  }

  /** The running term; undefined while another replica leads. */
  current(): LeadingTerm | undefined {
    return this.#term;
  }

  async start(): Promise<void> {
    if (this.#term !== undefined || this.#closed) return;
    const term = new LeadingTerm(this.#deps);
    this.#term = term;
    this.#deps.log.info({ identity: this.#identity }, 'started leading: reconciling');
    await term.begin();
  }

  /** Ends the running term; resolves once its workers have drained and its providers closed. */
  async end(): Promise<void> {
    const term = this.#term;
    if (term === undefined) return;
    this.#term = undefined;
    await term.end();
    this.#deps.log.info({ identity: this.#identity }, 'stopped reconciling');
  }

  /** Ends the running term and starts no other: the operator is shutting down. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.end();
  }

  isClosed(): boolean {
    return this.#closed;
  }
}
