import { parseArgs } from 'node:util';
import { z } from 'zod';
import { LOG_LEVELS } from './log.ts';

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "500ms", "30s", "5m", "1h" → milliseconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (match === null) return undefined;
  return Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? NaN);
}

const duration = (flag: string) =>
  z.string().transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `--${flag} must be a duration such as 30s, 5m or 1h (got "${text}")` });
      return z.NEVER;
    }
    return ms;
  });

const address = (flag: string) =>
  z
    .string()
    .regex(
      /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]*):\d{1,5}$/,
      `--${flag} must be host:port or :port, e.g. 127.0.0.1:8080 or :8080`,
    )
    .or(z.literal('0'));

const schema = z.object({
  kubeconfig: z.string().min(1).optional(),
  clusterName: z
    .string({ error: '--cluster-name is required: it is part of every ownership mark in the cloud' })
    .regex(
      /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
      '--cluster-name must be lower-case letters, digits and dashes, starting and ending alphanumeric',
    )
    .max(63, '--cluster-name must be at most 63 characters'),
  namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, '--namespace must be a valid namespace name'),
  workers: z.coerce
    .number({ error: '--workers must be a number' })
    .int()
    .min(1, '--workers must be at least 1')
    .max(256, '--workers must be at most 256'),
  leaderElect: z.boolean(),
  leaseName: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, '--lease-name must be a valid object name'),
  metricsAddr: address('metrics-addr'),
  healthAddr: address('health-addr'),
  logLevel: z.enum(LOG_LEVELS as [string, ...string[]], {
    error: `--log-level must be one of ${LOG_LEVELS.join(', ')}`,
  }),
  sweepIntervalMs: duration('sweep-interval'),
  sweepGraceMs: duration('sweep-grace'),
  sweep: z.boolean(),
  resyncIntervalMs: duration('resync-interval'),
  localStateDir: z.string().min(1, '--local-state-dir must not be empty').optional(),
});

export type Config = Readonly<z.infer<typeof schema>>;

export const USAGE = `Usage: cloud-lb-operator --cluster-name NAME [flags]

  --cluster-name NAME      required; part of every ownership mark in the cloud
  --kubeconfig PATH        kubeconfig file (default: in-cluster, else $KUBECONFIG / ~/.kube/config)
  --namespace NS           where credential Secrets and the Lease live (default $POD_NAMESPACE, else cloud-lb-system)
  --workers N              concurrent reconciles (default 4)
  --leader-elect           only the replica holding the Lease reconciles
  --lease-name NAME        Lease name (default cloud-lb-operator)
  --metrics-addr ADDR      Prometheus /metrics (default :8080; 0 disables)
  --health-addr ADDR       /healthz and /readyz (default :8081; 0 disables)
  --log-level LEVEL        fatal|error|warn|info|debug|trace|silent (default info)
  --sweep-interval DUR     orphan sweep period (default 10m)
  --sweep-grace DUR        how long a load balancer must be orphaned before it is deleted (default 5m)
  --no-sweep               never delete orphaned load balancers
  --resync-interval DUR    re-check every load balancer against the cloud (default 1h)
  --local-state-dir DIR    where the local provider records its addresses; must be writable
                           (default $CLOUDLB_LOCAL_STATE_DIR, else $XDG_STATE_HOME/cloud-lb-operator,
                           else ~/.local/state/cloud-lb-operator)
`;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Flags and environment → a validated, frozen Config. Throws ConfigError with one line per problem. */
export function parseConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): Config {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        kubeconfig: { type: 'string' },
        'cluster-name': { type: 'string' },
        namespace: { type: 'string' },
        workers: { type: 'string' },
        'leader-elect': { type: 'boolean' },
        'lease-name': { type: 'string' },
        'metrics-addr': { type: 'string' },
        'health-addr': { type: 'string' },
        'log-level': { type: 'string' },
        'sweep-interval': { type: 'string' },
        'sweep-grace': { type: 'string' },
        'no-sweep': { type: 'boolean' },
        'resync-interval': { type: 'string' },
        'local-state-dir': { type: 'string' },
        help: { type: 'boolean' },
      },
    }));
  } catch (err) {
    throw new ConfigError(err instanceof Error ? err.message : String(err));
  }
  if (values.help) throw new ConfigError(USAGE);
  const result = schema.safeParse({
    kubeconfig: values.kubeconfig,
    clusterName: values['cluster-name'],
    namespace: values.namespace ?? (env['POD_NAMESPACE'] || 'cloud-lb-system'),
    workers: values.workers ?? '4',
    leaderElect: values['leader-elect'] ?? false,
    leaseName: values['lease-name'] ?? 'cloud-lb-operator',
    metricsAddr: values['metrics-addr'] ?? ':8080',
    healthAddr: values['health-addr'] ?? ':8081',
    logLevel: values['log-level'] ?? 'info',
    sweepIntervalMs: values['sweep-interval'] ?? '10m',
    sweepGraceMs: values['sweep-grace'] ?? '5m',
    sweep: !(values['no-sweep'] ?? false),
    // An hour: a no-op check costs about 5 cloud reads per Service (see bench/), so at 1000 Services
    // a 10-minute period would spend most of a 10 qps rate limit on finding nothing.
    resyncIntervalMs: values['resync-interval'] ?? '1h',
    localStateDir: values['local-state-dir'] ?? (env['CLOUDLB_LOCAL_STATE_DIR'] || undefined),
  });
  if (!result.success) throw new ConfigError(result.error.issues.map((issue) => issue.message).join('\n'));
  return Object.freeze(result.data);
}
