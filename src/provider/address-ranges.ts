// CIDR overlap for exclusive address claims (ProviderDefinition.exclusiveRanges), IPv4 or IPv6.
import { BlockList, isIP } from 'node:net';

interface ParsedRange {
  readonly network: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

function parseRange(cidr: string): ParsedRange | undefined {
  const [network, bits, extra] = cidr.trim().split('/');
  const version = isIP(network ?? '');
  if (network === undefined || extra !== undefined || version === 0 || !/^\d{1,3}$/.test(bits ?? '')) return undefined;
  const prefix = Number(bits);
  if (prefix > (version === 4 ? 32 : 128)) return undefined;
  return { network, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

function contains(outer: ParsedRange, address: ParsedRange): boolean {
  const list = new BlockList();
  list.addSubnet(outer.network, outer.prefix, outer.family);
  return list.check(address.network, address.family);
}

/** Whether two CIDRs share an address; false when either does not parse or they differ in family. */
export function rangesOverlap(a: string, b: string): boolean {
  const x = parseRange(a);
  const y = parseRange(b);
  if (x === undefined || y === undefined || x.family !== y.family) return false;
  // Two CIDRs overlap exactly when one holds the other's first address.
  return contains(x, y) || contains(y, x);
}
