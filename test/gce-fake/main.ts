// Runs the GCE fake in the foreground: node test/gce-fake/main.ts --port 8089
// Any project, region and zone; state lives in memory until the process stops.
import { parseArgs } from 'node:util';
import { startGceFake } from './server.ts';

const { values } = parseArgs({
  options: { port: { type: 'string', default: '8089' }, 'operation-latency-ms': { type: 'string', default: '15' } },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`--port: '${values.port}' is not a port number\n`);
  process.exit(2);
}
const fake = await startGceFake({ port, operationLatencyMs: Number(values['operation-latency-ms']) });
process.stdout.write(
  `${JSON.stringify({ msg: 'GCE fake listening', endpoint: fake.endpoint, hint: `spec.gcp.endpoint: ${fake.endpoint}` })}\n`,
);
const stop = (): void => {
  void fake.stop().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
