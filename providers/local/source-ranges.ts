// spec.loadBalancerSourceRanges, enforced on accept (TCP) and per datagram (UDP).
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { PermanentError } from '../../src/provider/errors/index.ts';

/** Who may reach a listener. */
export type SourceFilter = (address: string) => boolean;

export const ALLOW_ALL: SourceFilter = () => true;

/** Throws PermanentError naming spec.loadBalancerSourceRanges for a range that is not a CIDR. */
export function sourceFilter(ranges: readonly string[]): SourceFilter {
  if (ranges.length === 0) return ALLOW_ALL;
  const allowed = new BlockList();
  for (const range of ranges) {
    const [network = '', prefixText = ''] = range.trim().split('/');
    const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN;
    if (isIPv4(network) && prefix <= 32) allowed.addSubnet(network, prefix, 'ipv4');
    else if (isIPv6(network) && prefix <= 128) allowed.addSubnet(network, prefix, 'ipv6');
    else {
      throw new PermanentError(`spec.loadBalancerSourceRanges: "${range}" is not a CIDR such as 10.0.0.0/8`, {
        field: 'spec.loadBalancerSourceRanges',
      });
    }
  }
  return (address) => {
    const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
    return family !== undefined && allowed.check(address, family);
  };
}
