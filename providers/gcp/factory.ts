// The GCP provider's factory: loaded (with @google-cloud/compute and google-auth-library) only
// once a LoadBalancerProvider of type gcp exists.
import { JWT, PassThroughClient, type AuthClient } from 'google-auth-library';
import type { ProviderFactory } from '../../src/provider/registry.ts';
import { ComputeApi } from './api/compute.ts';
import { GcpProvider } from './provider.ts';
import { parseKey, parseSpec } from './spec.ts';

const COMPUTE_SCOPE = 'https://www.googleapis.com/auth/compute';

/** A JWT client that signs its own access tokens (self-signed JWT): no call to a token endpoint. */
export function jwtFromKey(keyJson: string): AuthClient {
  const key = parseKey(keyJson);
  const client = new JWT({
    email: key.clientEmail,
    key: key.privateKey,
    scopes: [COMPUTE_SCOPE],
    ...(key.privateKeyId ? { keyId: key.privateKeyId } : {}),
  });
  client.useJWTAccessWithScope = true;
  return client;
}

export const createGcpProvider: ProviderFactory = (spec, context) => {
  const config = parseSpec(spec);
  const keyJson = context.credentials?.['key.json'];
  // Plain-HTTP endpoints (the GCE fake, a local proxy) get no credentials at all: a token is
  // never sent in clear text, and no application-default lookup is attempted.
  const plainHttp = config.endpoint?.protocol === 'http';
  const authClient = keyJson !== undefined ? jwtFromKey(keyJson) : plainHttp ? new PassThroughClient() : undefined;
  const api = new ComputeApi(config, {
    authClient,
    countCall: context.countCall,
    log: context.log.child({ provider: context.providerName }),
  });
  return new GcpProvider(api, context);
};
