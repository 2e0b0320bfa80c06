/** Pure rules of event aggregation (what client-go's event correlator calls the event logger). */

export interface ObjectRef {
  kind: string;
  apiVersion: string;
  namespace?: string;
  name: string;
  uid?: string;
  resourceVersion?: string;
}

export type EventType = 'Normal' | 'Warning';

/** What we remember about an Event we wrote, to bump it instead of writing a new one. */
export interface SeenEvent {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: Date;
  lastTimestamp: Date;
}

export const maxMessageLength = 1024;
export const aggregationWindowMs = 10 * 60_000;
export const maxCachedEvents = 4096;

/**
 * Events are the same when they are about the same object (by uid; by kind/namespace/name when
 * the caller has no uid) and have the same type, reason and message. resourceVersion is left out
 * on purpose: every status patch bumps it, and a repeat must still aggregate.
 */
export function eventKey(object: ObjectRef, type: EventType, reason: string, message: string): string {
  return JSON.stringify([
    object.apiVersion,
    object.kind,
    object.namespace ?? '',
    object.name,
    object.uid ?? '',
    type,
    reason,
    message,
  ]);
}

export function truncateMessage(message: string): string {
  if (message.length <= maxMessageLength) return message;
  const marker = '...';
  return message.slice(0, maxMessageLength - marker.length) + marker;
}

/** Events of cluster-scoped objects live in "default", as kubectl and client-go expect. */
export function eventNamespace(object: ObjectRef): string {
  return object.namespace !== undefined && object.namespace !== '' ? object.namespace : 'default';
}

export type EventWrite = { kind: 'create' } | { kind: 'patch'; seen: SeenEvent; count: number };

/** Bump the Event we wrote before if the last one was recent enough; otherwise write a new one. */
export function planWrite(seen: SeenEvent | undefined, now: Date, windowMs = aggregationWindowMs): EventWrite {
  if (seen === undefined) return { kind: 'create' };
  const age = now.getTime() - seen.lastTimestamp.getTime();
  if (age < 0 || age > windowMs) return { kind: 'create' };
  return { kind: 'patch', seen, count: seen.count + 1 };
}

/**
 * client-go's naming: "<object>.<hex nanoseconds>", unique per write. Object names can be up to 253
 * characters, the same as the Event name limit, so the prefix is shortened when needed.
 */
export function eventName(objectName: string, now: Date, sequence: number): string {
  const suffix = '.' + (BigInt(now.getTime()) * 1_000_000n + BigInt(sequence % 1_000_000)).toString(16);
  let prefix = objectName.slice(0, 253 - suffix.length);
  // A DNS subdomain must not end in '.' or '-' before the suffix's dot.
  while (prefix.endsWith('.') || prefix.endsWith('-')) prefix = prefix.slice(0, -1);
  return prefix + suffix;
}
