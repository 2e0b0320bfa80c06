// The one place SDK clients are built. Tests point them at moto or at the fault proxy through
// spec.aws.endpoint; production leaves endpoint unset.
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { EC2Client } from '@aws-sdk/client-ec2';
import { PermanentError } from '../../../src/provider/errors/index.ts';
import type { AwsSpec } from '../spec.ts';

export interface AwsClients {
  readonly elbv2: ElasticLoadBalancingV2Client;
  readonly ec2: EC2Client;
}

export interface StaticCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** Secret data → SDK credentials; undefined (no Secret named) → the SDK's default chain. */
export function credentialsFromSecret(
  data: Readonly<Record<string, string>> | undefined,
): StaticCredentials | undefined {
  if (data === undefined) return undefined;
  const accessKeyId = data['aws_access_key_id']?.trim() ?? '';
  const secretAccessKey = data['aws_secret_access_key']?.trim() ?? '';
  for (const [key, value] of [
    ['aws_access_key_id', accessKeyId],
    ['aws_secret_access_key', secretAccessKey],
  ] as const) {
    if (value === '')
      throw new PermanentError(`The credentials Secret has no value for ${key}.`, {
        field: key,
      });
  }
  const sessionToken = data['aws_session_token']?.trim();
  return { accessKeyId, secretAccessKey, ...(sessionToken !== undefined && sessionToken !== '' && { sessionToken }) };
}

/**
 * Builds both clients without any network call. The SDK makes exactly one attempt per send:
 * our own retry loop (p-retry, with jitter and the provider's rate limit on every attempt) is the
 * only one, so retries never multiply.
 */
export function createClients(spec: AwsSpec, credentials: StaticCredentials | undefined): AwsClients {
  const config = {
    region: spec.region,
    maxAttempts: 1,
    requestHandler: { requestTimeout: 15_000, connectionTimeout: 5_000, throwOnRequestTimeout: true },
    ...(spec.endpoint !== undefined && { endpoint: spec.endpoint }),
    ...(credentials !== undefined && { credentials }),
  };
  return { elbv2: new ElasticLoadBalancingV2Client(config), ec2: new EC2Client(config) };
}
