// A zod schema as a CRD's structural OpenAPI v3 schema: what `make generate` writes into crds/
// for each provider's spec block.
import { z } from 'zod';

/** One node of an OpenAPI v3 schema, as JSON. */
export type OpenApiSchema = { readonly [keyword: string]: unknown };

/**
 * The keywords a structural schema may carry, in the order the CRD lists them. Anything else
 * (unions, records, refs, `not`) has no structural form: the spec schema must be made plainer.
 */
const KEYWORDS = [
  'type',
  'description',
  'format',
  'enum',
  'default',
  'nullable',
  'minLength',
  'maxLength',
  'pattern',
  'minimum',
  'exclusiveMinimum',
  'maximum',
  'exclusiveMaximum',
  'multipleOf',
  'minItems',
  'maxItems',
  'required',
  'items',
  'properties',
  'additionalProperties',
] as const;

/** The bounds zod gives every `.int()`; Kubernetes' int64 needs no such limit. */
const SAFE_INTEGER_BOUNDS: Readonly<Record<string, number>> = {
  minimum: Number.MIN_SAFE_INTEGER,
  maximum: Number.MAX_SAFE_INTEGER,
};

/** `where` names the schema in errors, e.g. `spec.aws`. */
export function structuralSchema(schema: z.ZodType, where: string): OpenApiSchema {
  const json = z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'throw' });
  return structural(json, where);
}

function structural(node: unknown, where: string): OpenApiSchema {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) {
    throw new Error(`${where}: expected a schema object, got ${JSON.stringify(node)}`);
  }
  const entries = Object.entries(node as Record<string, unknown>).filter(
    ([keyword, value]) => !dropped(keyword, value) && SAFE_INTEGER_BOUNDS[keyword] !== value,
  );
  const unknown = entries.map(([keyword]) => keyword).filter((k) => !(KEYWORDS as readonly string[]).includes(k));
  if (unknown.length > 0) {
    throw new Error(`${where}: ${unknown.join(', ')} has no structural OpenAPI form; make the zod schema plainer`);
  }
  const byKeyword = new Map(entries);
  if (byKeyword.has('properties') && byKeyword.has('additionalProperties')) {
    throw new Error(`${where}: properties and additionalProperties together are refused by Kubernetes`);
  }
  const out: Record<string, unknown> = {};
  for (const keyword of KEYWORDS) {
    if (!byKeyword.has(keyword)) continue;
    const value = byKeyword.get(keyword);
    out[keyword] =
      keyword === 'items' || keyword === 'additionalProperties'
        ? structural(value, `${where}[]`)
        : keyword === 'properties'
          ? properties(value, where)
          : keyword === 'pattern' && typeof value === 'string'
            ? unescapeSlashes(value)
            : value;
  }
  return out;
}

/**
 * `$schema` is no part of a CRD. `additionalProperties` stays only as a map's value schema
 * (z.record): beside `properties` Kubernetes refuses it, so a strict object's `false` and a
 * loose object's `{}` go, and unknown fields are pruned instead.
 */
function dropped(keyword: string, value: unknown): boolean {
  if (keyword === '$schema') return true;
  if (keyword !== 'additionalProperties') return false;
  return typeof value !== 'object' || value === null || Object.keys(value).length === 0;
}

function properties(value: unknown, where: string): Record<string, OpenApiSchema> {
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([name, schema]) => [
      name,
      structural(schema, `${where}.${name}`),
    ]),
  );
}

/** RegExp#source writes `/` as `\/`; both mean `/` to Kubernetes' RE2, and the CRD reads better without. */
function unescapeSlashes(pattern: string): string {
  return pattern.replace(/\\(.)/g, (escape, char: string) => (char === '/' ? '/' : escape));
}
