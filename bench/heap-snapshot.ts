// A small reader of V8 heap snapshots (.heapsnapshot, as v8.writeHeapSnapshot writes them): self
// size and count per constructor (objects) or per node type (strings, arrays, code, ...). Self size
// only: retained sizes need the dominator tree, which this does not compute. It walks the file's
// bytes instead of JSON.parse, so a snapshot of a large heap (bigger than V8's longest string) reads.
//
//   node bench/heap-snapshot.ts <file.heapsnapshot> [top]
import { readFile } from 'node:fs/promises';

export interface HeapGroup {
  /** "Object", "V1ObjectMeta", "(string)", "(array)", ... */
  readonly name: string;
  readonly count: number;
  readonly selfSize: number;
}

export interface HeapSummary {
  readonly nodeCount: number;
  readonly totalSelfSize: number;
  /** Largest self size first. */
  readonly groups: readonly HeapGroup[];
  /** The largest single strings: what they begin with, and their size. */
  readonly largestStrings: readonly { readonly selfSize: number; readonly start: string }[];
}

const LARGEST_STRINGS = 5;

interface SnapshotMeta {
  readonly node_fields: readonly string[];
  readonly node_types: readonly [readonly string[], ...unknown[]];
}

const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const ZERO = 0x30;
const NINE = 0x39;

/** Node types whose `name` is a constructor (or native class) name worth grouping by. */
const NAMED_TYPES = new Set(['object', 'native']);

function sectionStart(bytes: Buffer, label: string, from: number): number {
  const at = bytes.indexOf(`"${label}":[`, from, 'latin1');
  if (at < 0) throw new Error(`not a heap snapshot: no "${label}" section`);
  return at + label.length + 4;
}

/** Calls `each` with every non-negative integer of the array starting at `start`; returns the end. */
function forEachNumber(bytes: Buffer, start: number, each: (value: number) => void): number {
  let value = 0;
  let inNumber = false;
  for (let i = start; i < bytes.length; i++) {
    const c = bytes[i] as number;
    if (c >= ZERO && c <= NINE) {
      value = value * 10 + (c - ZERO);
      inNumber = true;
      continue;
    }
    if (inNumber) each(value);
    value = 0;
    inNumber = false;
    if (c === CLOSE_BRACKET) return i;
  }
  throw new Error('heap snapshot ends inside an array');
}

/** The strings at `wanted` indices of the "strings" array that starts at `start`. */
function readStrings(bytes: Buffer, start: number, wanted: ReadonlySet<number>): Map<number, string> {
  const found = new Map<number, string>();
  let index = 0;
  for (let i = start; i < bytes.length && found.size < wanted.size; i++) {
    const c = bytes[i];
    if (c === CLOSE_BRACKET) break;
    if (c !== QUOTE) continue;
    let end = i + 1;
    while (bytes[end] !== QUOTE) end += bytes[end] === BACKSLASH ? 2 : 1;
    if (wanted.has(index)) found.set(index, JSON.parse(bytes.toString('utf8', i, end + 1)) as string);
    index += 1;
    i = end;
  }
  return found;
}

export function summarizeHeapSnapshot(bytes: Buffer): HeapSummary {
  const nodesStart = sectionStart(bytes, 'nodes', 0);
  const header = bytes.toString('utf8', 0, nodesStart).replace(/,\s*"nodes":\[$/, '}');
  const meta = (JSON.parse(header) as { snapshot: { meta: SnapshotMeta } }).snapshot.meta;
  const fields = meta.node_fields.length;
  const [typeField, nameField, sizeField] = ['type', 'name', 'self_size'].map((f) => meta.node_fields.indexOf(f));
  const typeNames = meta.node_types[0];
  const named = typeNames.map((t) => NAMED_TYPES.has(t));
  const stringType = typeNames.indexOf('string');
  let largest: { selfSize: number; nameIndex: number }[] = [];

  // Key: type index, and for named types also the name's string index.
  const groups = new Map<number, { count: number; selfSize: number }>();
  let field = 0;
  let type = 0;
  let nameIndex = 0;
  let nodeCount = 0;
  let totalSelfSize = 0;
  const nodesEnd = forEachNumber(bytes, nodesStart, (value) => {
    if (field === typeField) type = value;
    else if (field === nameField) nameIndex = value;
    else if (field === sizeField) {
      const key = named[type] === true ? type + typeNames.length * (nameIndex + 1) : type;
      const group = groups.get(key) ?? { count: 0, selfSize: 0 };
      group.count += 1;
      group.selfSize += value;
      groups.set(key, group);
      totalSelfSize += value;
      if (type === stringType && (largest.length < LARGEST_STRINGS || value > (largest.at(-1)?.selfSize ?? 0))) {
        largest = [...largest, { selfSize: value, nameIndex }]
          .sort((a, b) => b.selfSize - a.selfSize)
          .slice(0, LARGEST_STRINGS);
      }
    }
    field += 1;
    if (field === fields) {
      field = 0;
      nodeCount += 1;
    }
  });

  const nameOf = (key: number): number | undefined =>
    key < typeNames.length ? undefined : Math.floor(key / typeNames.length) - 1;
  const wanted = new Set([
    ...[...groups.keys()].map(nameOf).filter((n): n is number => n !== undefined),
    ...largest.map((l) => l.nameIndex),
  ]);
  const strings = readStrings(bytes, sectionStart(bytes, 'strings', nodesEnd), wanted);
  const summary = [...groups].map(([key, group]): HeapGroup => {
    const nameIndexOfKey = nameOf(key);
    const typeName = typeNames[key % typeNames.length] ?? 'unknown';
    const name = nameIndexOfKey === undefined ? `(${typeName})` : (strings.get(nameIndexOfKey) ?? `(${typeName})`);
    return { name: typeName === 'native' ? `${name} (native)` : name, ...group };
  });
  summary.sort((a, b) => b.selfSize - a.selfSize);
  const largestStrings = largest.map((l) => ({
    selfSize: l.selfSize,
    start: JSON.stringify((strings.get(l.nameIndex) ?? '').slice(0, 70)),
  }));
  return { nodeCount, totalSelfSize, groups: summary, largestStrings };
}

export async function readHeapSnapshotSummary(path: string): Promise<HeapSummary> {
  return summarizeHeapSnapshot(await readFile(path));
}

/** The summary as aligned lines: the `top` largest groups and what the rest add up to. */
export function formatHeapSummary(summary: HeapSummary, top: number): string[] {
  const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(1).padStart(7)} MiB`;
  const pct = (n: number): string => `${((100 * n) / summary.totalSelfSize).toFixed(1).padStart(5)}%`;
  const shown = summary.groups.slice(0, top);
  const rest = summary.groups.slice(top).reduce((sum, g) => sum + g.selfSize, 0);
  return [
    `${'self size'.padStart(11)}  share   ${'count'.padStart(9)}  constructor / type`,
    ...shown.map((g) => `${mb(g.selfSize)} ${pct(g.selfSize)}  ${String(g.count).padStart(9)}  ${g.name}`),
    `${mb(rest)} ${pct(rest)}  ${''.padStart(9)}  (${summary.groups.length - shown.length} other groups)`,
    `${mb(summary.totalSelfSize)} 100.0%  ${String(summary.nodeCount).padStart(9)}  total`,
    'largest strings:',
    ...summary.largestStrings.map((s) => `${mb(s.selfSize)}  ${s.start}`),
  ];
}

if (import.meta.main) {
  const [path, top = '20'] = process.argv.slice(2);
  if (path === undefined) throw new Error('usage: node bench/heap-snapshot.ts <file.heapsnapshot> [top]');
  process.stdout.write(`${formatHeapSummary(await readHeapSnapshotSummary(path), Number(top)).join('\n')}\n`);
}
