// spec.gcp and the Secret's key.json, parsed once into typed values. Errors name the field and
// never echo a credential.
import { createPrivateKey } from 'node:crypto';
import { z } from 'zod';
import { PermanentError } from '../../src/provider/errors/index.ts';
import { DEFAULT_RATE_LIMIT, parseSpecBlock, rateLimitSchema } from '../../src/provider/spec-block.ts';

export const gcpSpecSchema = z.object({
  project: z
    .string()
    .regex(/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/, 'must be a project ID: 6-30 of [a-z0-9-], starting with a letter')
    .meta({ description: 'Project ID.' }),
  region: z
    .string()
    .regex(/^[a-z]+-[a-z]+[0-9]+$/, 'must be a region such as europe-west1')
    .meta({ description: 'Region, e.g. europe-west1.' }),
  network: z.string().min(1).optional().meta({
    description: 'VPC network name or URL for firewall rules and internal load balancers; default "default".',
  }),
  subnetwork: z.string().min(1).optional().meta({ description: 'Subnetwork name or URL for internal load balancers.' }),
  endpoint: z
    .string()
    .regex(/^https?:\/\/[^/]+\/?$/, 'must be http(s)://host[:port]')
    .optional()
    .meta({
      description:
        'Override for the Compute Engine endpoint (private endpoints, the test fake), e.g. http://127.0.0.1:8089.',
    }),
  rateLimit: rateLimitSchema.optional(),
});

export interface Endpoint {
  readonly apiEndpoint: string;
  readonly port: number;
  readonly protocol: 'http' | 'https';
}

export interface GcpConfig {
  readonly project: string;
  readonly region: string;
  /** Partial URL: projects/P/global/networks/N. */
  readonly network: string;
  /** Partial URL: projects/P/regions/R/subnetworks/S, when given. */
  readonly subnetwork: string | undefined;
  readonly endpoint: Endpoint | undefined;
  readonly qps: number;
  readonly burst: number;
}

export function parseEndpoint(text: string): Endpoint {
  const url = new URL(text);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return {
    apiEndpoint: url.hostname,
    port: url.port === '' ? (protocol === 'http' ? 80 : 443) : Number(url.port),
    protocol,
  };
}

export function parseSpec(raw: unknown): GcpConfig {
  const s = parseSpecBlock(gcpSpecSchema, 'gcp', raw);
  const network = s.network ?? 'default';
  const rateLimit = s.rateLimit ?? DEFAULT_RATE_LIMIT;
  return {
    project: s.project,
    region: s.region,
    network: network.includes('/')
      ? network.slice(Math.max(0, network.indexOf('projects/')))
      : `projects/${s.project}/global/networks/${network}`,
    subnetwork:
      s.subnetwork === undefined
        ? undefined
        : s.subnetwork.includes('/')
          ? s.subnetwork.slice(Math.max(0, s.subnetwork.indexOf('projects/')))
          : `projects/${s.project}/regions/${s.region}/subnetworks/${s.subnetwork}`,
    endpoint: s.endpoint === undefined ? undefined : parseEndpoint(s.endpoint),
    qps: rateLimit.qps,
    burst: rateLimit.burst,
  };
}

function isPrivateKey(pem: string): boolean {
  try {
    createPrivateKey(pem);
    return true;
  } catch {
    return false;
  }
}

const keySchema = z.object({
  type: z.literal('service_account'),
  client_email: z.string().min(3),
  // Loaded once here so a key that cannot sign is reported as a bad Secret up front, instead of as
  // an OpenSSL decoder error on the first Compute call.
  private_key: z.string().refine(isPrivateKey),
  private_key_id: z.string().optional(),
});

export interface ServiceAccountKey {
  readonly clientEmail: string;
  readonly privateKey: string;
  readonly privateKeyId: string | undefined;
}

/** Parses key.json; the error says which field is wrong, never what the file contains. */
export function parseKey(text: string): ServiceAccountKey {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new PermanentError('key.json in the credentials Secret is not valid JSON', { field: 'key.json' });
  }
  const result = keySchema.safeParse(json);
  if (!result.success) {
    const path = result.error.issues[0]?.path.join('.') ?? '';
    throw new PermanentError(
      `key.json in the credentials Secret is not a service-account key: field '${path}' is missing or malformed`,
      { field: `key.json:${path}` },
    );
  }
  return {
    clientEmail: result.data.client_email,
    privateKey: result.data.private_key,
    privateKeyId: result.data.private_key_id,
  };
}
