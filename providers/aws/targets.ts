// Which nodes can be NLB targets: pure rules from spec.providerID, asked before any cloud call.
import type { Target, TargetProblem } from '../../src/provider/contract.ts';

/** aws:///<zone>/<instance>, the form the AWS cloud provider writes; the zone may be empty. */
const AWS_PROVIDER_ID = /^aws:\/\/\/([^/]*)\/(i-[0-9a-f]+)$/;

/** Instance ID from `aws:///<zone>/<i-…>`; undefined for anything else. */
export function instanceIDFromProviderID(providerID: string | undefined): string | undefined {
  return providerID === undefined ? undefined : AWS_PROVIDER_ID.exec(providerID)?.[2];
}

/**
 * Why this node cannot be a target of an NLB in `region`, or undefined when it can. Without a
 * region only the form is checked. A zone names its region as a prefix (us-east-1a, us-east-1-bos-1a).
 */
export function awsTargetProblem(target: Target, region?: string): TargetProblem | undefined {
  const id = target.providerID;
  if (id === undefined || id === '') return { kind: 'noProviderID', reason: 'no spec.providerID' };
  if (!id.startsWith('aws://')) return { kind: 'elsewhere', reason: `spec.providerID ${id} is not an AWS instance` };
  const match = AWS_PROVIDER_ID.exec(id);
  if (match === null) return { kind: 'malformedProviderID', reason: `spec.providerID ${id} is not aws:///<zone>/i-…` };
  const zone = match[1] ?? '';
  if (region !== undefined && zone !== '' && !zone.startsWith(region))
    return { kind: 'elsewhere', reason: `instance ${match[2]} is in ${zone}, not in region ${region}` };
  return undefined;
}
