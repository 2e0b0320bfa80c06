import type { V1Service } from '@kubernetes/client-node';
import type { EventType, ObjectRef } from '../kube/event-aggregation.ts';
import type { ServiceEvent } from './decide.ts';

export interface EventSink {
  record(object: ObjectRef, type: EventType, reason: string, message: string): void;
}

/**
 * Records `event` on the Service. One marked `once` is recorded once per distinct text while
 * `said` lives (the Service's memo), so retries and resyncs repeat none of them.
 */
export function recordEvent(sink: EventSink, service: V1Service, said: Set<string>, event: ServiceEvent): void {
  if (event.once) {
    const key = `${event.type}/${event.reason}/${event.message}`;
    if (said.has(key)) return;
    said.add(key);
  }
  const meta = service.metadata;
  sink.record(
    {
      kind: 'Service',
      apiVersion: 'v1',
      name: meta?.name ?? '',
      ...(meta?.namespace ? { namespace: meta.namespace } : {}),
      ...(meta?.uid ? { uid: meta.uid } : {}),
      ...(meta?.resourceVersion ? { resourceVersion: meta.resourceVersion } : {}),
    },
    event.type,
    event.reason,
    event.message,
  );
}
