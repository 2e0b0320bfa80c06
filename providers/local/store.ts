// The record of allocated addresses, kept in a small JSON file so a restarted operator gives every
// Service the address it had. It is the local provider's memory of its "cloud": the running
// process holds the listeners, this file holds the reservations.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Ownership } from '../../src/provider/contract.ts';

export interface AllocationRecord {
  readonly address: string;
  readonly ownership: Ownership;
}

const fileSchema = z.object({
  version: z.literal(1),
  allocations: z.record(
    z.string(),
    z.object({
      address: z.string(),
      ownership: z.object({
        clusterName: z.string(),
        serviceNamespace: z.string(),
        serviceName: z.string(),
        serviceUID: z.string(),
      }),
    }),
  ),
});

export interface AllocationStore {
  load(): Promise<Map<string, AllocationRecord>>;
  save(records: ReadonlyMap<string, AllocationRecord>): Promise<void>;
}

/** No record: addresses are still derived from the Service, but collisions may reorder after a restart. */
export class NoAllocationStore implements AllocationStore {
  load(): Promise<Map<string, AllocationRecord>> {
    return Promise.resolve(new Map<string, AllocationRecord>());
  }

  save(): Promise<void> {
    return Promise.resolve();
  }
}

export class FileAllocationStore implements AllocationStore {
  readonly #path: string;
  readonly #log: Logger;
  #saveFailed = false;

  constructor(path: string, log: Logger) {
    this.#path = path;
    this.#log = log;
  }

  get path(): string {
    return this.#path;
  }

  async load(): Promise<Map<string, AllocationRecord>> {
    let text: string;
    try {
      text = await readFile(this.#path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
      this.#log.warn({ err: error, path: this.#path }, 'cannot read the address record; starting without it');
      return new Map();
    }
    const parsed = fileSchema.safeParse(safeJson(text));
    if (!parsed.success) {
      this.#log.warn({ path: this.#path }, 'the address record is not in the expected format; starting without it');
      return new Map();
    }
    return new Map(Object.entries(parsed.data.allocations));
  }

  /**
   * Best effort: a machine where the file cannot be written (a read-only image) still serves
   * traffic; addresses then come from the hash alone. Written atomically (temp file + rename).
   */
  async save(records: ReadonlyMap<string, AllocationRecord>): Promise<void> {
    const body = JSON.stringify({ version: 1, allocations: Object.fromEntries(records) }, null, 2);
    const temp = `${this.#path}.${process.pid}.tmp`;
    try {
      await mkdir(dirname(this.#path), { recursive: true });
      await writeFile(temp, `${body}\n`, { mode: 0o600 });
      await rename(temp, this.#path);
      this.#saveFailed = false;
    } catch (error) {
      if (!this.#saveFailed) {
        this.#log.warn(
          { err: error, path: this.#path },
          'cannot write the address record; addresses may move after a restart',
        );
      }
      this.#saveFailed = true;
    }
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
