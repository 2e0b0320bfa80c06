// The JUnit report e2e.test writes (--report-dir → junit_01.xml, Ginkgo v2's reporter): one
// <testcase name status time> per spec, with a <failure>, <error> or <skipped message> child.
// Only that shape is read, so a small reader does instead of an XML library.

export type SpecStatus =
  'passed' | 'failed' | 'skipped' | 'pending' | 'interrupted' | 'timedout' | 'aborted' | 'panicked';

export interface SpecResult {
  /** As Ginkgo writes it: `[It] [sig-network] LoadBalancers [Feature:LoadBalancer] should …`. */
  readonly name: string;
  readonly status: SpecStatus;
  readonly seconds: number;
  /** Why it was skipped, or the first line of why it failed (Ginkgo's text, unchanged). */
  readonly message?: string;
}

const STATUSES: ReadonlySet<string> = new Set([
  'passed',
  'failed',
  'skipped',
  'pending',
  'interrupted',
  'timedout',
  'aborted',
  'panicked',
]);

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function decodeXml(text: string): string {
  return text.replaceAll(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, entity: string) => {
    if (entity.startsWith('#x') || entity.startsWith('#X')) return String.fromCodePoint(parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(parseInt(entity.slice(1), 10));
    return ENTITIES[entity] ?? whole;
  });
}

function attributes(tag: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const match of tag.matchAll(/([\w:-]+)="([^"]*)"/g)) {
    const [, key, value] = match;
    if (key !== undefined && value !== undefined) found.set(key, decodeXml(value));
  }
  return found;
}

/** Ginkgo puts `skipped - <reason>` in <skipped message>; a failure's text is the element's body. */
function messageOf(body: string): string | undefined {
  const skipped = /<skipped\b([^>]*)\/?>/.exec(body);
  if (skipped !== null) {
    const message = attributes(skipped[1] ?? '').get('message') ?? '';
    const reason = message.replace(/^skipped( - )?/, '').trim();
    return reason === '' ? undefined : reason;
  }
  const failure = /<(failure|error)\b([^>]*)>([\s\S]*?)<\/\1>/.exec(body);
  if (failure === null) return undefined;
  const text = decodeXml(failure[3] ?? '').trim() || (attributes(failure[2] ?? '').get('message') ?? '');
  const first = text.split('\n').find((line) => line.trim() !== '');
  return first?.trim();
}

export function parseJUnit(xml: string): SpecResult[] {
  const results: SpecResult[] = [];
  for (const match of xml.matchAll(/<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const attrs = attributes(match[1] ?? '');
    const name = attrs.get('name');
    const status = attrs.get('status');
    if (name === undefined || status === undefined || !STATUSES.has(status))
      throw new Error(`a <testcase> without a name or a known status: ${(match[1] ?? '').slice(0, 200)}`);
    const message = messageOf(match[3] ?? '');
    results.push({
      name,
      status: status as SpecStatus,
      seconds: Number(attrs.get('time') ?? '0'),
      ...(message === undefined ? {} : { message }),
    });
  }
  return results;
}
