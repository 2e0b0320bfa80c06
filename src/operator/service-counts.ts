import type { V1Service } from '@kubernetes/client-node';
import { PROVIDER_ANNOTATION } from '../controller/constants.ts';
import { holdsCleanupFinalizer } from '../controller/finalizers.ts';

/** Service events within this window update the providers' served-Service counts once. */
const DEBOUNCE_MS = 250;

/** How many Services each provider has claimed: our finalizer on, its name in our annotation. */
export function countServedServices(services: readonly V1Service[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const service of services) {
    const owner = service.metadata?.annotations?.[PROVIDER_ANNOTATION];
    if (owner !== undefined && holdsCleanupFinalizer(service.metadata?.finalizers))
      counts.set(owner, (counts.get(owner) ?? 0) + 1);
  }
  return counts;
}

/**
 * Keeps each provider's status.services following the Services it has claimed, recounted once per
 * burst of Service events rather than on a timer, so `kubectl get lbp` is current as soon as a
 * Service is served or released. Publishes only counts that changed since the last publish.
 */
export class ServiceCountPublisher {
  readonly #services: () => readonly V1Service[];
  readonly #publish: (counts: ReadonlyMap<string, number>) => void;
  #timer: NodeJS.Timeout | undefined;
  #published: string | undefined;
  #cancelled = false;

  constructor(services: () => readonly V1Service[], publish: (counts: ReadonlyMap<string, number>) => void) {
    this.#services = services;
    this.#publish = publish;
  }

  /** A Service changed: recount once the burst is over. */
  refresh(): void {
    if (this.#cancelled || this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const counts = countServedServices(this.#services());
      const fingerprint = JSON.stringify([...counts].sort());
      if (fingerprint === this.#published) return;
      this.#published = fingerprint;
      this.#publish(counts);
    }, DEBOUNCE_MS);
  }

  cancel(): void {
    this.#cancelled = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
