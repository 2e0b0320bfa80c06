// What every provider's spec block shares: how a bad field is reported, and the rate limit on
// cloud API calls.
import { z } from 'zod';
import { PermanentError } from './errors/index.ts';

/** Parses the unvalidated `spec.<type>` block; the first bad field throws PermanentError naming it. */
export function parseSpecBlock<Schema extends z.ZodType>(schema: Schema, type: string, raw: unknown): z.output<Schema> {
  const result = schema.safeParse(raw ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = ['spec', type, ...(issue?.path ?? []).map(String)].join('.');
    throw new PermanentError(`${field}: ${issue?.message ?? 'invalid'}`, { field, cause: result.error });
  }
  return result.data;
}

export const rateLimitSchema = z
  .object({
    qps: z.number().min(0.1).default(10),
    burst: z.number().int().min(1).default(20),
  })
  .meta({ description: 'Client-side limit on cloud API calls for this provider.' });

export type RateLimit = z.output<typeof rateLimitSchema>;

/** The limit when spec.<type>.rateLimit is omitted. */
export const DEFAULT_RATE_LIMIT: RateLimit = Object.freeze(rateLimitSchema.parse({}));
