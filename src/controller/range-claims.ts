// Exclusive address claims across LoadBalancerProvider objects: pure. The objects are taken in
// creation order; one whose claim overlaps an earlier object's claim is refused, so the provider
// that was serving first keeps serving and the newcomer says why it cannot.
import { rangesOverlap } from '../provider/address-ranges.ts';
import type { ClaimedRange } from '../provider/registry.ts';

export interface ClaimingObject {
  readonly name: string;
  /** metadata.creationTimestamp; the name breaks ties and orders objects without one. */
  readonly created: string | Date | undefined;
  readonly claims: readonly ClaimedRange[];
}

function createdAt(object: ClaimingObject): number {
  const time = object.created === undefined ? Number.NaN : new Date(object.created).getTime();
  return Number.isNaN(time) ? Number.POSITIVE_INFINITY : time;
}

/** Object name → why it is refused ("spec.local.addressPool 127.77.0.0/16 overlaps …"). */
export function rangeConflicts(objects: readonly ClaimingObject[]): Map<string, string> {
  const ordered = [...objects].sort((a, b) => createdAt(a) - createdAt(b) || a.name.localeCompare(b.name));
  const conflicts = new Map<string, string>();
  const held: { readonly owner: string; readonly claim: ClaimedRange }[] = [];
  for (const object of ordered) {
    const clash = object.claims
      .flatMap((claim) => held.filter((h) => rangesOverlap(h.claim.cidr, claim.cidr)).map((h) => ({ claim, h })))
      .at(0);
    if (clash !== undefined) {
      const { claim, h } = clash;
      conflicts.set(
        object.name,
        `${claim.field} ${claim.cidr} overlaps ${h.claim.field} ${h.claim.cidr} of LoadBalancerProvider ${h.owner}, which was created first; two providers would hand out the same addresses. Choose a range that does not overlap.`,
      );
      continue;
    }
    for (const claim of object.claims) held.push({ owner: object.name, claim });
  }
  return conflicts;
}
