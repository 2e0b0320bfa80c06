import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Capabilities, LoadBalancerProvider } from './contract.ts';

/** What the controller hands a provider factory. */
export interface ProviderContext {
  /** metadata.name of the LoadBalancerProvider object. */
  readonly providerName: string;
  /** --cluster-name: part of every ownership mark. */
  readonly clusterName: string;
  /**
   * The data of spec.credentialsSecretRef, decoded to strings; undefined when no Secret is named
   * (the provider then uses its SDK's default chain). Never log these values.
   */
  readonly credentials: Readonly<Record<string, string>> | undefined;
  readonly log: Logger;
  /** Count one cloud API call, e.g. countCall('elbv2:DescribeLoadBalancers'). Feeds metrics and benchmarks. */
  readonly countCall: (operation: string) => void;
}

/**
 * Builds a provider from its spec block (`spec.aws`, `spec.gcp`, `spec.local`: unparsed, the
 * factory validates it) and context. Throws PermanentError naming the field when the spec or the
 * credentials are unusable: a field that names one of `requiredSecretKeys` (or `key:path` inside
 * it, e.g. `key.json:private_key`) is shown as CredentialsValid=False, any other as Ready=False;
 * either way no cloud call is made for the provider's Services.
 * A new instance is made whenever the spec or the Secret changes, so credential rotation needs
 * no restart; the old one is closed.
 */
export type ProviderFactory = (spec: unknown, context: ProviderContext) => LoadBalancerProvider;

/**
 * The schema of a `spec.<type>` block. Its field descriptions, defaults and bounds are the only
 * source of the CRD's text for that block (`make generate`), so it must be an object schema that
 * has a structural OpenAPI form: no unions, no records.
 */
export type SpecSchema = z.ZodObject;

/** An address range an object's spec claims for itself alone, and the field that sets it. */
export interface ClaimedRange {
  /** As a user writes it: `spec.local.addressPool`. */
  readonly field: string;
  /** A CIDR, IPv4 or IPv6. */
  readonly cidr: string;
}

/** Everything the operator, the CRD and the API types know about one cloud. */
export interface ProviderDefinition<Type extends string = string, Spec extends SpecSchema = SpecSchema> {
  /** The key of the spec block (`spec.aws`) and the `status.type` of its objects. */
  readonly type: Type;
  /** One line for the CRD: what this type provisions. */
  readonly description: string;
  readonly spec: Spec;
  /** Secret keys the provider needs when a Secret is named; checked before the factory is called. */
  readonly requiredSecretKeys: readonly string[];
  /** What every instance of this type reports from capabilities(). */
  readonly capabilities: Capabilities;
  /**
   * The Service annotations its `interpret` reads: whole keys or key prefixes. The Service cache
   * keeps only these (and the operator's own), so an annotation not named here never reaches it.
   */
  readonly annotationPrefixes: readonly string[];
  /**
   * Service annotations that pick target nodes by their labels. Only a Service carrying one is
   * re-queued when nothing but node labels change; every other Service's targets ignore labels.
   * Absent: no annotation of this type reads node labels.
   */
  readonly nodeLabelAnnotations?: readonly string[];
  /**
   * Imports the implementation (its cloud SDK) and returns its factory. The operator calls it only
   * once a LoadBalancerProvider of this type exists, so the rest of the definition must stay
   * light: generating the CRD or starting with no provider of this type loads no SDK.
   */
  readonly load: () => Promise<ProviderFactory>;
  /**
   * Pure. The address ranges the spec block claims for itself alone (a pool this machine hands
   * out). Two objects whose claims overlap, of any types, would hand out the same address: the
   * one created later is refused (Ready=False InvalidSpec naming the field) and serves no Service.
   * Absent: the provider claims nothing (the cloud allocates addresses).
   */
  readonly exclusiveRanges?: (spec: unknown) => readonly ClaimedRange[];
  /**
   * Everything an instance makes lives in the operator's process and goes with close() (the local
   * provider's proxies). A Service whose provider of this type is gone is then released, not held
   * by its finalizer for a provider that will never come back to clean up. Cloud providers leave it
   * unset: their resources outlive the provider object.
   */
  readonly resourcesDieWithProvider?: boolean;
}

/** Keeps a definition's literal type name and its spec schema's type, from which src/api derives the CRD types. */
export function defineProvider<const Type extends string, Spec extends SpecSchema>(
  definition: ProviderDefinition<Type, Spec>,
): ProviderDefinition<Type, Spec> {
  return definition;
}

export class ProviderRegistry {
  readonly #definitions = new Map<string, ProviderDefinition>();

  constructor(definitions: readonly ProviderDefinition[] = []) {
    for (const definition of definitions) this.register(definition);
  }

  register(definition: ProviderDefinition): this {
    this.#definitions.set(definition.type, definition);
    return this;
  }

  get(type: string): ProviderDefinition | undefined {
    return this.#definitions.get(type);
  }

  types(): readonly string[] {
    return [...this.#definitions.keys()];
  }

  /** Every registered type's nodeLabelAnnotations, without repeats. */
  nodeLabelAnnotations(): readonly string[] {
    return [...new Set([...this.#definitions.values()].flatMap((d) => d.nodeLabelAnnotations ?? []))];
  }

  /** Every registered type's annotationPrefixes, without repeats. */
  annotationPrefixes(): readonly string[] {
    return [...new Set([...this.#definitions.values()].flatMap((d) => d.annotationPrefixes))];
  }
}
