// What the ELBv2 and EC2 seams share: one way to send a command (through the cloud-call seam:
// rate limit, count, retry) and the batching of Describe calls across Services.
import { PermanentError } from '../../../src/provider/errors/index.ts';
import type { CloudCaller } from '../../../src/provider/cloud-call.ts';
import { isNotFound } from '../errors.ts';

/** AWS takes at most 20 names or ARNs per Describe (DescribeTags, DescribeLoadBalancers). */
export const DESCRIBE_BATCH = 20;

/** How long a Describe request waits for others to share its call (see src/provider/batcher.ts). */
export const BATCH_WINDOW_MS = 5;

export interface ApiOptions {
  /**
   * Coalesce concurrent DescribeLoadBalancers (names), DescribeTags (ARNs) and DescribeSecurityGroups
   * (Service UIDs) across Services; false: one call each (the bench's "before").
   */
  readonly batching?: { readonly windowMs: number } | false;
}

export function batchingOf(options: ApiOptions): { readonly windowMs: number } | false {
  return options.batching ?? { windowMs: BATCH_WINDOW_MS };
}

/** AWS fails a whole Describe when one name or ARN is unknown or invalid: re-ask per Service then. */
export function perCallerOnError(error: unknown): boolean {
  return error instanceof PermanentError || isNotFound(error);
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Sends one command of `client` as operation `<service>:<op>`. */
export type Send<C> = <T>(
  op: string,
  signal: AbortSignal,
  send: (client: C, options: { abortSignal: AbortSignal }) => Promise<T>,
) => Promise<T>;

export function sender<C>(
  service: 'elbv2' | 'ec2',
  client: C,
  caller: CloudCaller,
  idempotent: (op: string) => boolean,
): Send<C> {
  return (op, signal, send) =>
    caller.call(`${service}:${op}`, signal, (abortSignal) => send(client, { abortSignal }), {
      idempotent: idempotent(op),
    });
}

/** Every page of a Marker/NextToken-paged Describe, concatenated. */
export async function allPages<T>(
  fetch: (token: string | undefined) => Promise<{ items: readonly T[]; next: string | undefined }>,
): Promise<T[]> {
  const all: T[] = [];
  let token: string | undefined;
  do {
    const page = await fetch(token);
    all.push(...page.items);
    token = page.next;
  } while (token !== undefined && token !== '');
  return all;
}

/** Deleting what is already gone is done. */
export async function unlessGone(work: Promise<unknown>): Promise<void> {
  try {
    await work;
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}
