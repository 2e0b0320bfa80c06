// Active health checks for one load balancer's backends, plus the proxies' own observations.
import type { Logger } from 'pino';
import { afterConnectFailure, afterProbe, INITIAL_HEALTH, type HealthState } from './health-state.ts';
import { probeId, type Probe } from './plan.ts';
import { runProbe } from './api/probes.ts';

export interface HealthMonitorOptions {
  readonly intervalMs: number;
  readonly log: Logger;
}

export class HealthMonitor {
  readonly #intervalMs: number;
  readonly #log: Logger;
  readonly #probes = new Map<string, { probe: Probe; state: HealthState }>();
  readonly #abort = new AbortController();
  readonly #timer: NodeJS.Timeout;
  #tick: Promise<void> | undefined;

  constructor(options: HealthMonitorOptions) {
    this.#intervalMs = options.intervalMs;
    this.#log = options.log;
    this.#timer = setInterval(() => this.#startTick(), this.#intervalMs);
    // The listeners keep the process alive; a health timer alone should not.
    this.#timer.unref();
  }

  /** Starts probing new probes (assumed healthy) and forgets the ones no longer listed. */
  setProbes(probes: readonly Probe[]): void {
    const wanted = new Map(probes.map((probe) => [probeId(probe), probe]));
    for (const id of this.#probes.keys()) if (!wanted.has(id)) this.#probes.delete(id);
    for (const [id, probe] of wanted) {
      if (!this.#probes.has(id)) this.#probes.set(id, { probe, state: INITIAL_HEALTH });
    }
  }

  /** Unknown probes count as healthy: a backend nobody checks is not taken out. */
  isHealthy(id: string): boolean {
    return this.#probes.get(id)?.state.healthy ?? true;
  }

  /** The proxy could not reach the backend: out now, back when the probes say so. */
  reportConnectFailure(id: string): void {
    const entry = this.#probes.get(id);
    if (entry === undefined || !entry.state.healthy) return;
    entry.state = afterConnectFailure();
    this.#log.warn({ backend: id }, 'backend refused a connection; taken out until its health check passes');
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#abort.abort();
    await this.#tick;
  }

  #startTick(): void {
    if (this.#tick !== undefined || this.#abort.signal.aborted) return;
    this.#tick = this.#probeAll().finally(() => {
      this.#tick = undefined;
    });
  }

  async #probeAll(): Promise<void> {
    const timeoutMs = Math.min(2000, this.#intervalMs);
    const signal = this.#abort.signal;
    await Promise.all(
      [...this.#probes].map(async ([id, entry]) => {
        const ok = await runProbe(entry.probe, { timeoutMs, signal });
        if (signal.aborted || this.#probes.get(id) !== entry) return;
        const next = afterProbe(entry.state, ok);
        if (next.healthy !== entry.state.healthy) {
          this.#log.info(
            { backend: id, healthy: next.healthy },
            next.healthy ? 'backend healthy again' : 'backend failed its health checks',
          );
        }
        entry.state = next;
      }),
    );
  }
}
