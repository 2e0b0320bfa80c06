// Parses the service.beta.kubernetes.io/aws-load-balancer-* annotations a user of
// cloud-provider-aws or aws-load-balancer-controller already writes. Pure: no cloud call.
import { z } from 'zod';
import type { FieldProblem, Interpretation, Scheme } from '../../src/provider/contract.ts';
import { OWNERSHIP_TAG_KEYS } from './ownership.ts';
import { isValidLoadBalancerName } from './names.ts';

export const ANNOTATION_PREFIX = 'service.beta.kubernetes.io/aws-load-balancer-';

export type HealthCheckProtocol = 'TCP' | 'HTTP' | 'HTTPS';

export interface HealthCheckOverrides {
  readonly protocol?: HealthCheckProtocol;
  /** 'traffic-port' or a port number. */
  readonly port?: 'traffic-port' | number;
  readonly path?: string;
  readonly intervalSeconds?: number;
  readonly timeoutSeconds?: number;
  readonly healthyThreshold?: number;
  readonly unhealthyThreshold?: number;
}

/** Everything the AWS provider takes from a Service's annotations, typed and checked. */
export interface AwsOptions {
  readonly scheme: Scheme | undefined;
  readonly subnets: readonly string[] | undefined;
  readonly eipAllocations: readonly string[] | undefined;
  readonly name: string | undefined;
  readonly healthCheck: HealthCheckOverrides;
  readonly targetGroupAttributes: Readonly<Record<string, string>>;
  readonly additionalTags: Readonly<Record<string, string>>;
  readonly crossZone: boolean | undefined;
  readonly targetNodeLabels: Readonly<Record<string, string>>;
}

const bool = z.enum(['true', 'false']).transform((v) => v === 'true');
const intIn = (min: number, max: number) =>
  z
    .string()
    .regex(/^[0-9]+$/)
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
function splitList(s: string): string[] {
  return s
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
}
const list = (item: z.ZodType<string>) =>
  z
    .string()
    .superRefine((s, ctx) => {
      const parts = splitList(s);
      if (parts.length === 0 || !parts.every((p) => item.safeParse(p).success))
        ctx.addIssue({ code: 'custom', message: 'bad list' });
    })
    .transform(splitList);
const keyValues = (key: z.ZodType<string>, value: z.ZodType<string>) =>
  z.string().transform((s, ctx) => {
    const out: Record<string, string> = {};
    for (const part of splitList(s)) {
      const eq = part.indexOf('=');
      const k = part.slice(0, eq).trim();
      const v = part.slice(eq + 1).trim();
      if (eq <= 0 || !key.safeParse(k).success || !value.safeParse(v).success) {
        ctx.addIssue({ code: 'custom', message: `"${part}" is not an accepted key=value` });
        return z.NEVER;
      }
      out[k] = v;
    }
    return out;
  });

/** NLB target group attributes we accept, each with its own value rule. */
const TARGET_GROUP_ATTRIBUTES: Readonly<Record<string, z.ZodType<string>>> = {
  'deregistration_delay.timeout_seconds': z
    .string()
    .regex(/^([0-9]|[1-9][0-9]{1,2}|[1-2][0-9]{3}|3[0-5][0-9]{2}|3600)$/),
  'deregistration_delay.connection_termination.enabled': z.enum(['true', 'false']),
  'preserve_client_ip.enabled': z.enum(['true', 'false']),
  'proxy_protocol_v2.enabled': z.enum(['true', 'false']),
  'stickiness.enabled': z.enum(['true', 'false']),
  'stickiness.type': z.literal('source_ip'),
  'load_balancing.cross_zone.enabled': z.enum(['true', 'false', 'use_load_balancer_configuration']),
  'target_health_state.unhealthy.connection_termination.enabled': z.enum(['true', 'false']),
  'target_health_state.unhealthy.draining_interval_seconds': z
    .string()
    .regex(/^[0-9]{1,3}$|^[1-2][0-9]{3}$|^3[0-5][0-9]{2}$|^3600$/),
};

const tagKey = z
  .string()
  .min(1)
  .max(128)
  .refine((k) => !k.toLowerCase().startsWith('aws:'), 'keys starting with aws: are reserved')
  .refine(
    (k) => !OWNERSHIP_TAG_KEYS.some((own) => k === own || k.startsWith('kubernetes.io/cluster/')),
    'ownership tag keys are set by the operator',
  );
const labelKey = z
  .string()
  .regex(
    /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/,
  );
const labelValue = z.string().regex(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/);

/** Maximum tags AWS allows on one ELB resource, minus the ownership tags we always set. */
export const MAX_ADDITIONAL_TAGS = 50 - OWNERSHIP_TAG_KEYS.length;

interface Rule {
  readonly schema: z.ZodType;
  /** What the annotation accepts, for the problem message. */
  readonly accepts: string;
}

const RULES = {
  type: {
    schema: z.enum(['nlb', 'external']),
    accepts: '"nlb" or "external" (this operator builds Network Load Balancers only)',
  },
  'nlb-target-type': { schema: z.literal('instance'), accepts: '"instance" (targets are nodes on their node ports)' },
  scheme: { schema: z.enum(['internet-facing', 'internal']), accepts: '"internet-facing" or "internal"' },
  internal: {
    schema: z.enum(['true', 'false', '0.0.0.0/0']),
    accepts: '"true" or "false" ("0.0.0.0/0" is read as true, as cloud-provider-aws did)',
  },
  subnets: {
    schema: list(z.string().regex(/^subnet-[0-9a-f]+$/)),
    accepts: 'a comma-separated list of subnet IDs, e.g. "subnet-0abc,subnet-0def"',
  },
  'eip-allocations': {
    schema: list(z.string().regex(/^eipalloc-[0-9a-f]+$/)),
    accepts: 'a comma-separated list of Elastic IP allocation IDs, one per subnet, e.g. "eipalloc-0abc,eipalloc-0def"',
  },
  name: {
    schema: z.string().refine(isValidLoadBalancerName),
    accepts:
      'a name of 1-32 letters, digits and hyphens, not starting or ending with a hyphen and not starting with "internal-"',
  },
  'healthcheck-protocol': {
    schema: z
      .string()
      .transform((s) => s.toUpperCase())
      .pipe(z.enum(['TCP', 'HTTP', 'HTTPS'])),
    accepts: '"TCP", "HTTP" or "HTTPS"',
  },
  'healthcheck-port': {
    schema: z.union([z.literal('traffic-port'), intIn(1, 65535)]),
    accepts: '"traffic-port" or a port number 1-65535',
  },
  'healthcheck-path': {
    schema: z.string().regex(/^\/[\x21-\x7e]{0,1023}$/),
    accepts: 'an HTTP path starting with "/", at most 1024 characters',
  },
  'healthcheck-interval': { schema: intIn(5, 300), accepts: 'a whole number of seconds from 5 to 300' },
  'healthcheck-timeout': { schema: intIn(2, 120), accepts: 'a whole number of seconds from 2 to 120' },
  'healthcheck-healthy-threshold': { schema: intIn(2, 10), accepts: 'a whole number from 2 to 10' },
  'healthcheck-unhealthy-threshold': { schema: intIn(2, 10), accepts: 'a whole number from 2 to 10' },
  'target-group-attributes': {
    schema: keyValues(z.enum(Object.keys(TARGET_GROUP_ATTRIBUTES) as [string, ...string[]]), z.string()).superRefine(
      (attrs, ctx) => {
        for (const [k, v] of Object.entries(attrs)) {
          if (!TARGET_GROUP_ATTRIBUTES[k]?.safeParse(v).success)
            ctx.addIssue({ code: 'custom', message: `bad value for ${k}` });
        }
      },
    ),
    accepts: `comma-separated key=value pairs of NLB target group attributes (${Object.keys(TARGET_GROUP_ATTRIBUTES).join(', ')}), e.g. "preserve_client_ip.enabled=true,deregistration_delay.timeout_seconds=120"`,
  },
  'additional-resource-tags': {
    schema: keyValues(tagKey, z.string().max(256)).refine((t) => Object.keys(t).length <= MAX_ADDITIONAL_TAGS),
    accepts: `comma-separated key=value pairs (at most ${MAX_ADDITIONAL_TAGS}; keys up to 128 characters, not starting with "aws:" nor one of the operator's ownership keys; values up to 256 characters), e.g. "team=web,env=prod"`,
  },
  'cross-zone-load-balancing-enabled': { schema: bool, accepts: '"true" or "false"' },
  'target-node-labels': {
    schema: keyValues(labelKey, labelValue),
    accepts: 'comma-separated label=value pairs with valid Kubernetes label keys and values, e.g. "pool=edge,zone=a"',
  },
} as const satisfies Record<string, Rule>;

type RuleName = keyof typeof RULES;
type Parsed = { -readonly [K in RuleName]?: z.output<(typeof RULES)[K]['schema']> };

export const SUPPORTED_ANNOTATIONS: readonly string[] = Object.keys(RULES).map((k) => ANNOTATION_PREFIX + k);

function fieldOf(key: string): string {
  return `metadata.annotations[${key}]`;
}

export interface ParsedAnnotations {
  readonly options: AwsOptions;
  readonly problems: readonly FieldProblem[];
}

/** Reads every aws-load-balancer-* annotation; each malformed or unknown one becomes a problem. */
export function parseAnnotations(annotations: Readonly<Record<string, string>>): ParsedAnnotations {
  const problems: FieldProblem[] = [];
  const parsed: Parsed = {};
  for (const [key, value] of Object.entries(annotations)) {
    if (!key.startsWith(ANNOTATION_PREFIX)) continue;
    const short = key.slice(ANNOTATION_PREFIX.length);
    if (!Object.hasOwn(RULES, short)) {
      problems.push({
        field: fieldOf(key),
        message: `${key} is not supported by the aws provider; supported annotations are ${Object.keys(RULES).join(', ')} (prefixed ${ANNOTATION_PREFIX}).`,
      });
      continue;
    }
    const rule: Rule = RULES[short as RuleName];
    const result = rule.schema.safeParse(value);
    if (result.success) (parsed as Record<string, unknown>)[short] = result.data;
    else
      problems.push({ field: fieldOf(key), message: `${key} has the value "${value}"; it accepts ${rule.accepts}.` });
  }

  const scheme = resolveScheme(parsed, problems);
  if (parsed['eip-allocations'] !== undefined) {
    const eipKey = ANNOTATION_PREFIX + 'eip-allocations';
    if (scheme === 'Internal') {
      problems.push({
        field: fieldOf(eipKey),
        message: `${eipKey} applies only to internet-facing load balancers; remove it or make the load balancer internet-facing.`,
      });
    } else if (parsed.subnets !== undefined && parsed.subnets.length !== parsed['eip-allocations'].length) {
      problems.push({
        field: fieldOf(eipKey),
        message: `${eipKey} lists ${parsed['eip-allocations'].length} allocation(s) but ${ANNOTATION_PREFIX}subnets lists ${parsed.subnets.length} subnet(s); give exactly one allocation per subnet.`,
      });
    }
  }

  const healthCheck: HealthCheckOverrides = {
    ...(parsed['healthcheck-protocol'] !== undefined && { protocol: parsed['healthcheck-protocol'] }),
    ...(parsed['healthcheck-port'] !== undefined && { port: parsed['healthcheck-port'] }),
    ...(parsed['healthcheck-path'] !== undefined && { path: parsed['healthcheck-path'] }),
    ...(parsed['healthcheck-interval'] !== undefined && { intervalSeconds: parsed['healthcheck-interval'] }),
    ...(parsed['healthcheck-timeout'] !== undefined && { timeoutSeconds: parsed['healthcheck-timeout'] }),
    ...(parsed['healthcheck-healthy-threshold'] !== undefined && {
      healthyThreshold: parsed['healthcheck-healthy-threshold'],
    }),
    ...(parsed['healthcheck-unhealthy-threshold'] !== undefined && {
      unhealthyThreshold: parsed['healthcheck-unhealthy-threshold'],
    }),
  };

  return {
    problems,
    options: {
      scheme,
      subnets: parsed.subnets,
      eipAllocations: parsed['eip-allocations'],
      name: parsed.name,
      healthCheck,
      targetGroupAttributes: parsed['target-group-attributes'] ?? {},
      additionalTags: parsed['additional-resource-tags'] ?? {},
      crossZone: parsed['cross-zone-load-balancing-enabled'],
      targetNodeLabels: parsed['target-node-labels'] ?? {},
    },
  };
}

function resolveScheme(parsed: Parsed, problems: FieldProblem[]): Scheme | undefined {
  const fromScheme: Scheme | undefined =
    parsed.scheme === undefined ? undefined : parsed.scheme === 'internal' ? 'Internal' : 'External';
  const fromInternal: Scheme | undefined =
    parsed.internal === undefined ? undefined : parsed.internal === 'false' ? 'External' : 'Internal';
  if (fromScheme !== undefined && fromInternal !== undefined && fromScheme !== fromInternal) {
    const key = ANNOTATION_PREFIX + 'internal';
    problems.push({ field: fieldOf(key), message: `${key} contradicts ${ANNOTATION_PREFIX}scheme; keep one of them.` });
  }
  return fromScheme ?? fromInternal;
}

/** The contract's interpret(): the scheme (internet-facing unless asked otherwise), the options, the problems. */
export function interpretAnnotations(annotations: Readonly<Record<string, string>>): Interpretation<AwsOptions> {
  const { options, problems } = parseAnnotations(annotations);
  return { scheme: options.scheme ?? 'External', options, problems };
}
