import { z } from 'zod';
import { PermanentError } from '../../src/provider/errors/index.ts';

const subnetID = z.string().regex(/^subnet-[0-9a-f]+$/, 'a subnet ID like subnet-0123abcd');

const awsSpecSchema = z.object({
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-[0-9]+$/, 'an AWS region such as us-east-1'),
  endpoint: z.url({ protocol: /^https?$/ }).optional(),
  vpcID: z
    .string()
    .regex(/^vpc-[0-9a-f]+$/, 'a VPC ID like vpc-0123abcd')
    .optional(),
  subnetIDs: z.array(subnetID).min(1).optional(),
  rateLimit: z
    .object({
      qps: z.number().min(0.1).default(10),
      burst: z.number().int().min(1).default(20),
    })
    .default({ qps: 10, burst: 20 }),
});

export interface AwsSpec {
  readonly region: string;
  readonly endpoint: string | undefined;
  readonly vpcID: string | undefined;
  readonly subnetIDs: readonly string[] | undefined;
  readonly rateLimit: { readonly qps: number; readonly burst: number };
}

/** Parses the unvalidated `spec.aws` block; a bad field throws PermanentError naming it. */
export function parseAwsSpec(raw: unknown): AwsSpec {
  const result = awsSpecSchema.safeParse(raw ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = ['spec', 'aws', ...(issue?.path ?? [])].map(String).join('.');
    throw new PermanentError(`${path}: ${issue?.message ?? 'invalid'}`, { field: path, cause: result.error });
  }
  const spec = result.data;
  return Object.freeze({
    region: spec.region,
    endpoint: spec.endpoint,
    vpcID: spec.vpcID,
    subnetIDs: spec.subnetIDs,
    rateLimit: spec.rateLimit,
  });
}
