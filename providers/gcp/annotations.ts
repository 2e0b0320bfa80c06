// The Service annotations this provider reads. Pure.
import type { FieldProblem, Interpretation, Scheme } from '../../src/provider/contract.ts';

/** GKE's annotation, and the older one GKE still accepts. Values: Internal | External. */
export const LB_TYPE_ANNOTATIONS = [
  'networking.gke.io/load-balancer-type',
  'cloud.google.com/load-balancer-type',
] as const;

/** GCP has no options beyond the scheme. */
export function interpretAnnotations(annotations: Readonly<Record<string, string>>): Interpretation<undefined> {
  const problems: FieldProblem[] = [];
  const chosen: Scheme[] = [];
  for (const key of LB_TYPE_ANNOTATIONS) {
    const value = annotations[key];
    if (value === undefined) continue;
    if (value === 'Internal' || value === 'External') chosen.push(value);
    else
      problems.push({
        field: `metadata.annotations[${key}]`,
        message: `'${value}' is not a load balancer type; use Internal or External.`,
      });
  }
  if (new Set(chosen).size > 1) {
    problems.push({
      field: `metadata.annotations[${LB_TYPE_ANNOTATIONS[0]}]`,
      message: `${LB_TYPE_ANNOTATIONS[0]} and ${LB_TYPE_ANNOTATIONS[1]} disagree; set one of them.`,
    });
  }
  return { scheme: chosen.includes('Internal') ? 'Internal' : 'External', options: undefined, problems };
}
