// Which IPv4 ranges this machine can listen on: all of 127.0.0.0/8 (Linux routes it to the
// loopback interface), and the subnet of each IPv4 address of its interfaces. A pool outside them
// would hand Services addresses no proxy can bind, retried forever; it is refused up front.
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { cidrContains, formatCidr, parseIPv4, type Cidr } from './ipv4.ts';

export const LOOPBACK: Cidr = { network: 127 * 2 ** 24, prefix: 8 };

/** A range this machine can listen on, and where it comes from, for messages. */
export interface HostNetwork {
  readonly cidr: Cidr;
  /** `loopback` or the interface name. */
  readonly source: string;
}

/** The subnets of the IPv4 addresses in `interfaces` (os.networkInterfaces()), plus 127.0.0.0/8. Pure. */
export function hostNetworks(
  interfaces: Readonly<Record<string, readonly NetworkInterfaceInfo[] | undefined>>,
): HostNetwork[] {
  const networks: HostNetwork[] = [{ cidr: LOOPBACK, source: 'loopback' }];
  for (const [name, infos] of Object.entries(interfaces)) {
    for (const info of infos ?? []) {
      if (info.family !== 'IPv4' || info.cidr === null) continue;
      const [address, bits] = info.cidr.split('/');
      const value = parseIPv4(address ?? '');
      const prefix = Number(bits);
      if (value === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) continue;
      const size = 2 ** (32 - prefix);
      networks.push({ cidr: { network: Math.floor(value / size) * size, prefix }, source: name });
    }
  }
  return networks;
}

/** This machine's networks, read now. */
export function currentHostNetworks(): HostNetwork[] {
  return hostNetworks(networkInterfaces());
}

export function cidrWithin(outer: Cidr, inner: Cidr): boolean {
  return inner.prefix >= outer.prefix && cidrContains(outer, inner.network);
}

/** Undefined when every address of `pool` is inside one of `networks`; otherwise why not. */
export function poolOffHost(pool: Cidr, networks: readonly HostNetwork[]): string | undefined {
  if (networks.some((n) => cidrWithin(n.cidr, pool))) return undefined;
  const listed = networks.map((n) => `${formatCidr(n.cidr)} (${n.source})`).join(', ');
  return `${formatCidr(pool)} is not on this machine, so no proxy could listen there; use a range inside one of ${listed}`;
}
