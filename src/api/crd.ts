// The LoadBalancerProvider CRD, built from provider definitions: the common fields, status and
// printer columns are the template below; each provider adds its `spec.<type>` block (from its
// zod schema) and its name to the exactly-one-of rule. `make generate` writes it to crds/.
import { join } from 'node:path';
import type { ProviderDefinition } from '../provider/registry.ts';
import { GROUP, KIND, PLURAL, VERSION } from './loadbalancerprovider.ts';
import { structuralSchema, type OpenApiSchema } from './structural-schema.ts';

/** What the CRD needs to know about a provider. */
export type CrdProvider = Pick<ProviderDefinition, 'type' | 'description' | 'spec'>;

export const CRD_NAME = `${PLURAL}.${GROUP}`;

/** Where `make generate` writes the CRD for the builtin providers. */
export const CRD_FILE = join(import.meta.dirname, '..', '..', 'crds', `${GROUP}_${PLURAL}.yaml`);

export function loadBalancerProviderCrd(providers: readonly CrdProvider[]): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: CRD_NAME },
    spec: {
      group: GROUP,
      scope: 'Cluster',
      names: {
        kind: KIND,
        listKind: `${KIND}List`,
        plural: PLURAL,
        singular: KIND.toLowerCase(),
        shortNames: ['lbp'],
      },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: PRINTER_COLUMNS,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description:
                'A cloud (or the local machine) that serves Services of type LoadBalancer whose loadBalancerClass matches.',
              required: ['spec'],
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec: specSchema(providers),
                status: statusSchema(providers),
              },
            },
          },
        },
      ],
    },
  };
}

function specSchema(providers: readonly CrdProvider[]): OpenApiSchema {
  const blocks = providers.map((p) => `spec.${p.type}`).join(', ');
  return {
    type: 'object',
    'x-kubernetes-validations': [
      {
        rule: `[${providers.map((p) => `has(self.${p.type})`).join(', ')}].filter(x, x).size() == 1`,
        message: `exactly one of ${blocks} must be set`,
      },
    ],
    properties: {
      loadBalancerClass: {
        type: 'string',
        maxLength: 253,
        pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$',
        description:
          'The spec.loadBalancerClass of the Services this provider serves. Defaults to cloudlb.dev/<metadata.name>.',
      },
      default: {
        type: 'boolean',
        default: false,
        description:
          'Also serve LoadBalancer Services that have no loadBalancerClass. At most one provider may be the default.',
      },
      credentialsSecretRef: {
        type: 'object',
        description:
          "A Secret in the operator's namespace holding the cloud credentials. Omit to use the SDK's default chain (IRSA, instance profile, Workload Identity).",
        required: ['name'],
        properties: { name: { type: 'string', minLength: 1, maxLength: 253 } },
      },
      ...Object.fromEntries(providers.map((p) => [p.type, providerBlock(p)])),
    },
  };
}

function providerBlock(provider: CrdProvider): OpenApiSchema {
  const { type, ...rest } = structuralSchema(provider.spec, `spec.${provider.type}`);
  return { type, description: provider.description, ...rest };
}

/** "aws, gcp or local" */
function either(words: readonly string[]): string {
  return words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} or ${words.at(-1) ?? ''}`;
}

const INT64 = { type: 'integer', format: 'int64' };

const SCHEME_CAPABILITIES = {
  type: 'object',
  properties: {
    protocols: { type: 'array', items: { type: 'string', enum: ['TCP', 'UDP', 'SCTP'] } },
  },
};

function statusSchema(providers: readonly CrdProvider[]): OpenApiSchema {
  return {
    type: 'object',
    properties: {
      observedGeneration: INT64,
      type: { type: 'string', description: `${either(providers.map((p) => p.type))}.` },
      loadBalancerClass: {
        type: 'string',
        description: 'The class this provider serves (spec.loadBalancerClass or its default).',
      },
      sctpSchemes: { type: 'string', description: 'Schemes that carry SCTP, e.g. "Internal", or "none".' },
      services: { type: 'integer', description: 'Services currently served by this provider.' },
      capabilities: {
        type: 'object',
        properties: {
          schemes: {
            type: 'object',
            properties: { External: SCHEME_CAPABILITIES, Internal: SCHEME_CAPABILITIES },
          },
          mixedProtocols: { type: 'boolean' },
          addressKind: { type: 'string', enum: ['IP', 'Hostname'] },
          sourceRanges: { type: 'boolean' },
          staticAddress: { type: 'boolean' },
          needsNodePorts: { type: 'boolean' },
          endpointTargets: { type: 'boolean' },
          addressFamilies: {
            type: 'array',
            description: 'The families spec.loadBalancerIP may be of.',
            items: { type: 'string', enum: ['IPv4', 'IPv6'] },
          },
          maxListeners: {
            type: 'integer',
            description: 'The most ports one load balancer can have; absent when there is no limit.',
          },
        },
      },
      conditions: {
        type: 'array',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['type'],
        items: {
          type: 'object',
          required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'],
          properties: {
            type: { type: 'string' },
            status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
            observedGeneration: INT64,
            lastTransitionTime: { type: 'string', format: 'date-time' },
            reason: { type: 'string' },
            message: { type: 'string' },
          },
        },
      },
    },
  };
}

const PRINTER_COLUMNS = [
  { name: 'Type', type: 'string', jsonPath: '.status.type' },
  { name: 'Class', type: 'string', jsonPath: '.status.loadBalancerClass' },
  { name: 'Default', type: 'boolean', jsonPath: '.spec.default' },
  { name: 'SCTP', type: 'string', description: 'Schemes that carry SCTP', jsonPath: '.status.sctpSchemes' },
  { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
  { name: 'Services', type: 'integer', jsonPath: '.status.services' },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
];
