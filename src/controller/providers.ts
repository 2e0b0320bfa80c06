import { PatchStrategy, setHeaderOptions, type CustomObjectsApi, type V1Secret } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import {
  GROUP,
  KIND,
  PLURAL,
  VERSION,
  type Condition,
  type LoadBalancerProvider as ProviderObject,
  type LoadBalancerProviderStatus,
} from '../api/loadbalancerprovider.ts';
import type { Capabilities } from '../provider/contract.ts';
import { PermanentError } from '../provider/errors/index.ts';
import type { ProviderDefinition, ProviderFactory, ProviderRegistry } from '../provider/registry.ts';
import { classOf, indexProviders, type ClassIndex } from './classes.ts';
import { errorText } from './messages.ts';
import { protection, type Protection } from './protection.ts';
import { rangeConflicts, type ClaimingObject } from './range-claims.ts';
import type { EventSink, ProviderHandle, ProviderLookup } from './reconcile.ts';

/** "Internal", "External,Internal" or "none": the schemes on which the provider carries SCTP. */
export function sctpSchemes(capabilities: Capabilities): string {
  const schemes = (['External', 'Internal'] as const).filter((s) =>
    capabilities.schemes[s]?.protocols.includes('SCTP'),
  );
  return schemes.length === 0 ? 'none' : schemes.join(',');
}

/** The spec block the object sets (`spec.aws` → 'aws'), among the types the operator knows. */
export function providerType(object: ProviderObject, types: readonly string[]): string | undefined {
  return types.find((type) => specBlock(object, type) !== undefined);
}

/** `spec.<type>` as the API server stored it; the provider's factory parses it. */
function specBlock(object: ProviderObject, type: string): unknown {
  return Object.entries(object.spec).find(([key]) => key === type)?.[1];
}

export function decodeSecret(secret: V1Secret): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(secret.data ?? {}))
    out[key] = Buffer.from(value, 'base64').toString('utf8');
  return out;
}

interface Problem {
  /** Which condition goes False: a credentials problem fails both, a spec problem only Ready. */
  readonly credentials: boolean;
  readonly reason: string;
  readonly message: string;
}

interface Entry {
  fingerprint: string;
  handle?: ProviderHandle;
  problem?: Problem;
  lastStatus?: string;
}

export interface ProviderManagerOptions {
  readonly registry: ProviderRegistry;
  readonly clusterName: string;
  /** Where credential Secrets live (--namespace). */
  readonly namespace: string;
  readonly listProviders: () => readonly ProviderObject[];
  readonly getSecret: (name: string) => V1Secret | undefined;
  readonly custom: CustomObjectsApi;
  readonly events: EventSink;
  readonly log: Logger;
  readonly countCall: (provider: string, operation: string) => void;
  /** A provider was built, rebuilt, broken or removed: its Services must be reconciled again. */
  readonly onChange: (providerName: string) => void;
  /** `namespace/name` of the Services that have a load balancer through the provider (protection.ts). */
  readonly servicesUsing: (providerName: string) => readonly string[];
}

/**
 * Keeps one built provider per LoadBalancerProvider object, rebuilt whenever its spec or its
 * Secret changes (credential rotation without restart), and keeps each object's status current.
 */
export class ProviderManager {
  readonly #options: ProviderManagerOptions;
  readonly #entries = new Map<string, Entry>();
  /** Loaded factories by provider type, kept while some LoadBalancerProvider of the type exists. */
  readonly #factories = new Map<string, Promise<ProviderFactory>>();
  /** Providers this process built and saw removed, by name → type, for lookup's `nothingLeft`. */
  readonly #gone = new Map<string, string>();
  /** The last hold message said per provider, so each is said once. */
  readonly #held = new Map<string, string>();
  #nextInstance = 1;
  #serviceCounts = new Map<string, number>();
  #defaultsWarned = '';
  #syncing: Promise<void> = Promise.resolve();

  constructor(options: ProviderManagerOptions) {
    this.#options = options;
  }

  classes(): ClassIndex {
    return indexProviders(this.#options.listProviders());
  }

  lookup(name: string): ProviderLookup {
    const entry = this.#entries.get(name);
    if (entry === undefined) {
      const exists = this.#options.listProviders().some((p) => p.metadata.name === name);
      if (exists) return { state: 'notReady', message: 'not built yet' };
      const goneType = this.#gone.get(name);
      const definition = goneType === undefined ? undefined : this.#options.registry.get(goneType);
      return { state: 'missing', nothingLeft: definition?.resourcesDieWithProvider === true };
    }
    if (entry.handle !== undefined) {
      const object = this.#options.listProviders().find((p) => p.metadata.name === name);
      const deleting = object?.metadata.deletionTimestamp !== undefined;
      return { state: 'ready', handle: entry.handle, ...(deleting ? { deleting } : {}) };
    }
    return { state: 'notReady', message: entry.problem?.message ?? 'not built yet' };
  }

  names(): string[] {
    return this.#options.listProviders().map((p) => p.metadata.name);
  }

  handles(): ProviderHandle[] {
    return [...this.#entries.values()].flatMap((e) => (e.handle ? [e.handle] : []));
  }

  setServiceCounts(counts: ReadonlyMap<string, number>): void {
    this.#serviceCounts = new Map(counts);
  }

  /** Brings every provider in line with the objects and Secrets in the caches. Serialised. */
  sync(): Promise<void> {
    this.#syncing = this.#syncing
      .then(() => this.#syncAll())
      .catch((err: unknown) => {
        this.#options.log.error({ err: errorText(err) }, 'provider sync failed');
      });
    return this.#syncing;
  }

  async close(): Promise<void> {
    await this.#syncing;
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    this.#factories.clear();
    await Promise.allSettled(entries.map(async (e) => await e.handle?.provider.close()));
  }

  async #syncAll(): Promise<void> {
    const objects = this.#options.listProviders();
    const index = indexProviders(objects);
    const conflicts = rangeConflicts(objects.map((object) => this.#claimsOf(object)));
    const seen = new Set<string>();
    for (const object of objects) {
      seen.add(object.metadata.name);
      await this.#syncOne(object, index, conflicts.get(object.metadata.name));
    }
    for (const [name, entry] of [...this.#entries]) {
      if (seen.has(name)) continue;
      this.#entries.delete(name);
      this.#held.delete(name);
      if (entry.handle !== undefined) this.#gone.set(name, entry.handle.type);
      await this.#closeHandle(entry);
      this.#options.log.info({ provider: name }, 'provider removed');
      this.#options.onChange(name);
    }
    this.#warnDefaults(objects, index);
    this.#releaseFactories(objects);
  }

  /**
   * Drops the factory of every type no LoadBalancerProvider uses any more; its instances are
   * closed already. Node keeps an ESM module's code in its module cache for the life of the
   * process, so what this releases is the SDK clients and their state (connections, caches),
   * not the SDK's code; a type that was never used was never imported at all.
   */
  #releaseFactories(objects: readonly ProviderObject[]): void {
    const used = new Set(objects.map((object) => providerType(object, this.#options.registry.types())));
    for (const type of [...this.#factories.keys()]) if (!used.has(type)) this.#factories.delete(type);
  }

  /** The type's factory, loading its implementation on first use; a failed load is tried again next time. */
  async #factory(definition: ProviderDefinition): Promise<ProviderFactory> {
    let loading = this.#factories.get(definition.type);
    if (loading === undefined) {
      loading = definition.load();
      this.#factories.set(definition.type, loading);
      loading.catch(() => this.#factories.delete(definition.type));
    }
    return await loading;
  }

  #warnDefaults(objects: readonly ProviderObject[], index: ClassIndex): void {
    const key = index.defaults.length > 1 ? index.defaults.join(',') : '';
    if (key === this.#defaultsWarned) return;
    this.#defaultsWarned = key;
    if (key === '') return;
    for (const object of objects.filter((o) => index.defaults.includes(o.metadata.name))) {
      this.#event(
        object,
        'Warning',
        'MultipleDefaults',
        `LoadBalancerProviders ${index.defaults.join(', ')} all set spec.default: true, so Services without spec.loadBalancerClass are served by none of them; keep spec.default on one.`,
      );
    }
  }

  /** The address ranges the object's spec claims for itself alone (ProviderDefinition.exclusiveRanges). */
  #claimsOf(object: ProviderObject): ClaimingObject {
    const type = providerType(object, this.#options.registry.types());
    const definition = type === undefined ? undefined : this.#options.registry.get(type);
    const claims = definition?.exclusiveRanges?.(specBlock(object, definition.type)) ?? [];
    return { name: object.metadata.name, created: object.metadata.creationTimestamp, claims };
  }

  /** `conflict`: why the object's address claim cannot be granted (rangeConflicts), if it cannot. */
  async #syncOne(object: ProviderObject, index: ClassIndex, conflict: string | undefined): Promise<void> {
    const name = object.metadata.name;
    const type = providerType(object, this.#options.registry.types());
    const secretName = object.spec.credentialsSecretRef?.name;
    const secret = secretName === undefined ? undefined : this.#options.getSecret(secretName);
    const fingerprint = JSON.stringify([
      object.metadata.generation,
      object.spec,
      secret?.metadata?.resourceVersion ?? null,
      conflict ?? null,
    ]);
    let entry = this.#entries.get(name);
    if (entry?.fingerprint !== fingerprint) {
      const old = entry;
      entry = { fingerprint };
      if (conflict !== undefined) entry.problem = { credentials: false, reason: 'InvalidSpec', message: conflict };
      else await this.#build(object, type, secretName, secret, entry);
      this.#entries.set(name, entry);
      if (old !== undefined) await this.#closeHandle(old);
      const problem = entry.problem;
      if (problem !== undefined && problem.message !== old?.problem?.message) {
        this.#event(object, 'Warning', problem.reason, problem.message);
        this.#options.log.warn({ provider: name, reason: problem.reason }, problem.message);
      }
      if (entry.handle !== undefined) {
        this.#gone.delete(name);
        this.#options.log.info({ provider: name, type, instance: entry.handle.instanceId }, 'provider built');
      }
      this.#options.onChange(name);
    }
    const guard = protection(
      {
        name,
        finalizers: object.metadata.finalizers ?? [],
        deleting: object.metadata.deletionTimestamp !== undefined,
      },
      this.#options.servicesUsing(name),
    );
    await this.#writeStatus(object, entry, type, index, guard.kind === 'hold' ? guard.message : undefined);
    await this.#protect(object, guard);
  }

  /** Puts on, keeps or takes off the provider-protection finalizer (protection.ts). */
  async #protect(object: ProviderObject, guard: Protection): Promise<void> {
    const name = object.metadata.name;
    if (guard.kind === 'hold') {
      if (this.#held.get(name) === guard.message) return;
      this.#held.set(name, guard.message);
      this.#event(object, 'Warning', 'DeletionBlocked', guard.message);
      this.#options.log.info({ provider: name, remaining: guard.remaining }, 'provider deletion held by its Services');
      return;
    }
    if (guard.kind === 'none') return;
    try {
      // resourceVersion makes the merge patch conditional: a finalizer another party changed meanwhile is not lost.
      await this.#options.custom.patchClusterCustomObject(
        {
          group: GROUP,
          version: VERSION,
          plural: PLURAL,
          name,
          body: { metadata: { finalizers: guard.finalizers, resourceVersion: object.metadata.resourceVersion } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      if (guard.kind === 'release')
        this.#options.log.info({ provider: name }, 'no Service uses the provider any more: its deletion proceeds');
    } catch (err) {
      this.#options.log.warn({ provider: name, err: errorText(err) }, 'updating the provider finalizer failed');
    }
  }

  async #build(
    object: ProviderObject,
    type: string | undefined,
    secretName: string | undefined,
    secret: V1Secret | undefined,
    entry: Entry,
  ): Promise<void> {
    const name = object.metadata.name;
    const definition = type === undefined ? undefined : this.#options.registry.get(type);
    if (definition === undefined) {
      entry.problem = {
        credentials: false,
        reason: 'UnknownType',
        message: `spec.${type ?? '<none>'}: this operator has no provider of that type (it knows ${this.#options.registry.types().join(', ')}).`,
      };
      return;
    }
    let credentials: Record<string, string> | undefined;
    if (secretName !== undefined) {
      const where = `${this.#options.namespace}/${secretName}`;
      if (secret === undefined) {
        entry.problem = {
          credentials: true,
          reason: 'SecretNotFound',
          message: `spec.credentialsSecretRef.name: Secret ${where} not found.`,
        };
        return;
      }
      credentials = decodeSecret(secret);
      const missing = definition.requiredSecretKeys.filter((key) => (credentials?.[key] ?? '') === '');
      if (missing.length > 0) {
        entry.problem = {
          credentials: true,
          reason: 'MissingKey',
          message: `spec.credentialsSecretRef.name: Secret ${where} lacks key${missing.length > 1 ? 's' : ''} ${missing.join(', ')}.`,
        };
        return;
      }
    }
    const log = this.#options.log.child({ provider: name, type: definition.type });
    try {
      const create = await this.#factory(definition);
      const provider = create(specBlock(object, definition.type), {
        providerName: name,
        clusterName: this.#options.clusterName,
        credentials,
        log,
        countCall: (operation) => this.#options.countCall(name, operation),
      });
      entry.handle = {
        name,
        type: definition.type,
        instanceId: this.#nextInstance++,
        provider,
        capabilities: provider.capabilities(),
      };
    } catch (err) {
      const field = err instanceof PermanentError ? err.field : undefined;
      entry.problem = {
        // A field naming one of the provider's Secret keys (`aws_secret_access_key`, `key.json`,
        // `key.json:private_key`) is a problem with the credentials, not with the spec.
        credentials:
          field !== undefined &&
          definition.requiredSecretKeys.some((key) => field === key || field.startsWith(`${key}:`)),
        reason: err instanceof PermanentError ? 'InvalidSpec' : 'BuildFailed',
        message: `${field ? `${field}: ` : ''}${errorText(err instanceof PermanentError ? new Error(err.message) : err)}`,
      };
    }
  }

  async #closeHandle(entry: Entry): Promise<void> {
    try {
      await entry.handle?.provider.close();
    } catch (err) {
      this.#options.log.warn({ provider: entry.handle?.name, err: errorText(err) }, 'closing provider failed');
    }
  }

  #event(object: ProviderObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.#options.events.record(
      {
        kind: KIND,
        apiVersion: `${GROUP}/${VERSION}`,
        name: object.metadata.name,
        ...(object.metadata.uid ? { uid: object.metadata.uid } : {}),
      },
      type,
      reason,
      message,
    );
  }

  /** `held`: the hold message while the object's deletion waits for its Services. */
  async #writeStatus(
    object: ProviderObject,
    entry: Entry,
    type: string | undefined,
    index: ClassIndex,
    held: string | undefined,
  ): Promise<void> {
    const name = object.metadata.name;
    const problem = entry.problem;
    const shadow = index.shadowed.get(name);
    const credentials: Omit<Condition, 'lastTransitionTime'> =
      problem?.credentials === true
        ? { type: 'CredentialsValid', status: 'False', reason: problem.reason, message: problem.message }
        : object.spec.credentialsSecretRef === undefined
          ? {
              type: 'CredentialsValid',
              status: 'True',
              reason: 'DefaultChain',
              message: "No Secret named: the cloud SDK's default credential chain is used.",
            }
          : {
              type: 'CredentialsValid',
              status: 'True',
              reason: 'SecretFound',
              message: `Secret ${this.#options.namespace}/${object.spec.credentialsSecretRef.name} has every required key.`,
            };
    const ready: Omit<Condition, 'lastTransitionTime'> = problem
      ? { type: 'Ready', status: 'False', reason: problem.reason, message: problem.message }
      : shadow
        ? {
            type: 'Ready',
            status: 'False',
            reason: 'ClassConflict',
            message: `spec.loadBalancerClass: ${shadow.loadBalancerClass} is already served by LoadBalancerProvider ${shadow.servedBy}.`,
          }
        : { type: 'Ready', status: 'True', reason: 'Built', message: `Serving Services of class ${classOf(object)}.` };
    const now = new Date().toISOString();
    const deletion: Omit<Condition, 'lastTransitionTime'>[] =
      held === undefined ? [] : [{ type: 'DeletionBlocked', status: 'True', reason: 'ServicesRemain', message: held }];
    const conditions = [ready, credentials, ...deletion].map((c): Condition => {
      const previous = object.status?.conditions?.find((p) => p.type === c.type);
      const lastTransitionTime = previous?.status === c.status ? previous.lastTransitionTime : now;
      return { ...c, observedGeneration: object.metadata.generation ?? 0, lastTransitionTime };
    });
    const capabilities = entry.handle?.capabilities;
    const status: LoadBalancerProviderStatus = {
      observedGeneration: object.metadata.generation ?? 0,
      ...(type ? { type } : {}),
      loadBalancerClass: classOf(object),
      sctpSchemes: capabilities ? sctpSchemes(capabilities) : 'none',
      services: this.#serviceCounts.get(name) ?? 0,
      ...(capabilities ? { capabilities } : {}),
      conditions,
    };
    if (statusKey(status) === statusKey(object.status) || statusKey(status) === entry.lastStatus) return;
    try {
      await this.#options.custom.patchClusterCustomObjectStatus(
        { group: GROUP, version: VERSION, plural: PLURAL, name, body: { status } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      entry.lastStatus = statusKey(status);
    } catch (err) {
      this.#options.log.warn({ provider: name, err: errorText(err) }, 'patching provider status failed');
    }
  }
}

function statusKey(status: LoadBalancerProviderStatus | undefined): string {
  if (status === undefined) return '';
  const conditions = (status.conditions ?? []).map((c) => [
    c.type,
    c.status,
    c.reason,
    c.message,
    c.observedGeneration ?? 0,
  ]);
  return JSON.stringify([
    status.observedGeneration ?? 0,
    status.type ?? '',
    status.loadBalancerClass ?? '',
    status.sctpSchemes ?? '',
    status.services ?? 0,
    status.capabilities ?? null,
    conditions,
  ]);
}
