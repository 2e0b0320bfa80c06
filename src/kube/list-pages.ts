import {
  HttpMethod,
  IsomorphicFetchHttpLibrary,
  RequestContext,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { HttpStatusError } from './http-status-error.ts';

export interface ListOptions<T> {
  readonly labelSelector?: string | undefined;
  readonly fieldSelector?: string | undefined;
  /** Objects per page (`limit`). */
  readonly pageSize: number;
  /** Applied to each object as its page arrives, so only one page of whole objects is held at a time. */
  readonly project: (object: KubernetesObject) => T;
  readonly signal: AbortSignal;
}

export interface Listed<T> {
  readonly items: T[];
  /** Where a watch of the same collection starts. */
  readonly resourceVersion: string;
}

interface ListPage {
  readonly metadata?: { readonly resourceVersion?: string; readonly continue?: string };
  readonly items?: readonly KubernetesObject[] | null;
}

const http = new IsomorphicFetchHttpLibrary();

/**
 * LISTs a collection page by page (`limit` / `continue`) through the KubeConfig's connection and
 * credentials. The JSON is parsed into plain objects: client-node's typed list calls build a model
 * instance for every nested field, which costs far more memory and time than the data itself.
 */
export async function listPages<T>(kc: KubeConfig, path: string, options: ListOptions<T>): Promise<Listed<T>> {
  const items: T[] = [];
  let next: string | undefined;
  let resourceVersion: string;
  do {
    const page = (await getJson(kc, pageUrl(kc, path, options, next), options.signal)) as ListPage;
    for (const object of page.items ?? []) items.push(options.project(object));
    resourceVersion = page.metadata?.resourceVersion ?? '';
    next = page.metadata?.continue || undefined;
  } while (next !== undefined);
  return { items, resourceVersion };
}

function pageUrl(kc: KubeConfig, path: string, options: ListOptions<unknown>, next: string | undefined): URL {
  const server = kc.getCurrentCluster()?.server;
  if (server === undefined) throw new Error('the kubeconfig has no current cluster');
  const url = new URL(server + path);
  url.searchParams.set('limit', String(options.pageSize));
  if (next !== undefined) url.searchParams.set('continue', next);
  if (options.labelSelector !== undefined) url.searchParams.set('labelSelector', options.labelSelector);
  if (options.fieldSelector !== undefined) url.searchParams.set('fieldSelector', options.fieldSelector);
  return url;
}

async function getJson(kc: KubeConfig, url: URL, signal: AbortSignal): Promise<unknown> {
  const request = new RequestContext(url.toString(), HttpMethod.GET);
  request.setHeaderParam('Accept', 'application/json');
  request.setSignal(signal);
  await kc.applySecurityAuthentication(request);
  const response = await http.send(request).toPromise();
  const text = await response.body.text();
  if (response.httpStatusCode !== 200) {
    const status = parseStatus(text);
    throw new HttpStatusError(
      `list ${url.pathname}: ${status?.message ?? `HTTP ${response.httpStatusCode}`}`,
      response.httpStatusCode,
    );
  }
  return JSON.parse(text);
}

/** The message of a metav1.Status error body, when the body is one. */
function parseStatus(text: string): { message?: string } | undefined {
  try {
    const body = JSON.parse(text) as { kind?: string; message?: string };
    return body.kind === 'Status' ? body : undefined;
  } catch {
    return undefined;
  }
}
