// Health transitions, as a cloud load balancer counts them: a backend changes state only after
// `threshold` consecutive probe results that disagree with its current state. A failed connection
// seen by the proxy itself takes the backend out at once (the client is already waiting).

export interface HealthState {
  readonly healthy: boolean;
  /** Consecutive results that disagree with `healthy`. */
  readonly streak: number;
}

export const HEALTHY_THRESHOLD = 2;
export const UNHEALTHY_THRESHOLD = 2;

/** New backends are assumed healthy so a fresh load balancer answers before the first probe. */
export const INITIAL_HEALTH: HealthState = { healthy: true, streak: 0 };

export function afterProbe(state: HealthState, ok: boolean): HealthState {
  if (ok === state.healthy) return { healthy: state.healthy, streak: 0 };
  const streak = state.streak + 1;
  const threshold = state.healthy ? UNHEALTHY_THRESHOLD : HEALTHY_THRESHOLD;
  return streak >= threshold ? { healthy: !state.healthy, streak: 0 } : { healthy: state.healthy, streak };
}

export function afterConnectFailure(): HealthState {
  return { healthy: false, streak: 0 };
}
