// Turns a failed bind into a ProviderError whose message says what to do about it.
import { ProviderError } from '../../src/provider/errors/index.ts';

export function listenError(error: unknown, where: string): ProviderError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const advice =
    code === 'EADDRINUSE'
      ? 'another process already listens there'
      : code === 'EACCES'
        ? 'ports below 1024 need root, CAP_NET_BIND_SERVICE, or a lower net.ipv4.ip_unprivileged_port_start'
        : code === 'EADDRNOTAVAIL'
          ? 'the address is not on this machine; use a pool inside 127.0.0.0/8 (Linux) or add the address to an interface'
          : 'the operating system refused the bind';
  return new ProviderError(`cannot listen on ${where}: ${advice}`, {
    operation: 'local:listen',
    ...(code === undefined ? {} : { code }),
    cause: error,
  });
}
