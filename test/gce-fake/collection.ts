// The list, insert and delete handlers every collection of the fake has: regional, zonal and global alike.
import { inUse } from './errors.ts';
import { absent, existing, read, type FakeRequest, type Handler } from './handler.ts';
import { listBody } from './listing.ts';
import { checkName } from './rules.ts';
import type { Resource } from './store.ts';

/** `<collection>.list`: filtered and paged; `decorate` adds fields computed on read. */
export function list(
  collection: string,
  kind: string,
  decorate: (req: FakeRequest, r: Resource) => Resource = (_q, r) => r,
): Handler {
  return (req) =>
    read(
      listBody(
        kind,
        req.store.selfLink(req.loc, collection, '').slice(0, -1),
        req.store.collection(req.loc, collection).values(),
        req.query,
        (r) => decorate(req, r),
      ),
    );
}

/** `<collection>.insert`: a valid, unused name within quota; `build` checks the rest and makes the resource. */
export function insert(collection: string, build: (req: FakeRequest, name: string) => Resource): Handler {
  return (req) => {
    const name = checkName(req.body['name']);
    absent(req, collection, name);
    req.store.checkQuota(req.loc, collection);
    const resource = build(req, name);
    return {
      kind: 'mutation',
      targetLink: resource.selfLink,
      operationType: 'insert',
      apply: () => req.store.collection(req.loc, collection).set(name, resource),
    };
  };
}

/** `<collection>.delete`: refused while `dependents` (other resources that use the target) is not empty. */
export function remove(collection: string, dependents: (req: FakeRequest, target: Resource) => Resource[]): Handler {
  return (req) => {
    const target = existing(req, collection);
    const users = dependents(req, target);
    if (users.length > 0) throw inUse(target.selfLink, users[0]!.selfLink);
    return {
      kind: 'mutation',
      targetLink: target.selfLink,
      operationType: 'delete',
      apply: () => req.store.collection(req.loc, collection).delete(target.name),
    };
  };
}
