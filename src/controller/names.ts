import { createHash } from 'node:crypto';

export const MAX_BASE_NAME = 32;
const PREFIX_MAX = 15;
const HASH_CHARS = 16;

/**
 * The cloud-neutral base name of a Service's load balancer: deterministic from the cluster name
 * and the Service UID, [a-z0-9-], starts with a letter, ends with a letter or digit, at most 32
 * characters. The readable part is a cleaned prefix of the cluster name; the hash (64 bits of
 * sha256 over cluster and UID) keeps names of different clusters and Services apart even when
 * the prefix is cut.
 */
export function baseName(clusterName: string, serviceUID: string): string {
  const hash = createHash('sha256').update(`${clusterName}\n${serviceUID}`).digest('hex').slice(0, HASH_CHARS);
  let prefix = clusterName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, PREFIX_MAX)
    .replace(/-+$/, '');
  if (prefix === '') prefix = 'lb';
  return `${prefix}-${hash}`;
}
