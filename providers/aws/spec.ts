// spec.aws of a LoadBalancerProvider: its schema (the source of the CRD's spec.aws) and its parse.
import { z } from 'zod';
import { DEFAULT_RATE_LIMIT, parseSpecBlock, rateLimitSchema, type RateLimit } from '../../src/provider/spec-block.ts';

export const awsSpecSchema = z.object({
  // min(1) only restates the pattern's bound; it is kept so the CRD says minLength as it always has.
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-[0-9]+$/, 'an AWS region such as us-east-1')
    .min(1)
    .meta({ description: 'AWS region, e.g. us-east-1.' }),
  endpoint: z
    .string()
    .regex(/^https?:\/\//, 'an http(s) URL')
    .refine((text) => URL.canParse(text), 'an http(s) URL')
    .optional()
    .meta({ description: 'Override for every AWS endpoint (VPC endpoints, emulators).' }),
  vpcID: z
    .string()
    .regex(/^vpc-[0-9a-f]+$/, 'a VPC ID like vpc-0123abcd')
    .optional()
    .meta({ description: 'VPC of the cluster; discovered from the subnets when omitted.' }),
  subnetIDs: z
    .array(z.string().regex(/^subnet-[0-9a-f]+$/, 'a subnet ID like subnet-0123abcd'))
    .min(1)
    .optional()
    .meta({
      description:
        'Subnets for the load balancers. When omitted, subnets are discovered by the tags kubernetes.io/role/elb (internet-facing) or kubernetes.io/role/internal-elb (internal) and kubernetes.io/cluster/<cluster-name>.',
    }),
  rateLimit: rateLimitSchema.optional(),
});

export interface AwsSpec {
  readonly region: string;
  readonly endpoint: string | undefined;
  readonly vpcID: string | undefined;
  readonly subnetIDs: readonly string[] | undefined;
  readonly rateLimit: RateLimit;
}

/** Parses the unvalidated `spec.aws` block; a bad field throws PermanentError naming it. */
export function parseAwsSpec(raw: unknown): AwsSpec {
  const spec = parseSpecBlock(awsSpecSchema, 'aws', raw);
  return Object.freeze({
    region: spec.region,
    endpoint: spec.endpoint,
    vpcID: spec.vpcID,
    subnetIDs: spec.subnetIDs,
    rateLimit: spec.rateLimit ?? DEFAULT_RATE_LIMIT,
  });
}
