import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exec } from './exec.ts';

export interface ControlPlaneCerts {
  readonly caCert: string;
  readonly servingCert: string;
  readonly servingKey: string;
  readonly adminCert: string;
  readonly adminKey: string;
  readonly serviceAccountKey: string;
  readonly serviceAccountPub: string;
}

// Node's crypto makes keys but not X.509 certificates, so we drive the openssl CLI (present on
// every Debian machine) rather than adding a certificate library for test set-up alone.
function opensslConfig(servingIps: readonly string[]): string {
  const sans = ['127.0.0.1', ...servingIps].map((ip) => `IP:${ip}`).join(', ');
  return `
[req]
distinguished_name = dn
prompt = no
[dn]
CN = placeholder
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign, digitalSignature
subjectKeyIdentifier = hash
[serving]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = ${sans}, DNS:localhost, DNS:kubernetes.default.svc
[client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
`;
}

async function openssl(dir: string, args: readonly string[]): Promise<void> {
  const result = await exec('openssl', args, { cwd: dir });
  if (result.code !== 0) throw new Error(`openssl ${args[0] ?? ''} failed: ${result.stderr.trim()}`);
}

async function leaf(dir: string, name: string, subject: string, extensions: string): Promise<void> {
  await openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`]);
  await openssl(dir, [
    'req',
    '-new',
    '-config',
    'openssl.cnf',
    '-key',
    `${name}.key`,
    '-subj',
    subject,
    '-out',
    `${name}.csr`,
  ]);
  await openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '30',
    '-extfile',
    'openssl.cnf',
    '-extensions',
    extensions,
    '-out',
    `${name}.crt`,
  ]);
}

/**
 * A client certificate `<name>.crt`/`<name>.key` signed by the CA that generateCerts made in
 * `dir`, for `subject` (e.g. `/O=system:nodes/CN=system:node:n1`: RBAC sees O as the group).
 */
export async function clientCert(dir: string, name: string, subject: string): Promise<{ cert: string; key: string }> {
  await leaf(dir, name, subject, 'client');
  return { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
}

/**
 * A throw-away CA, a serving cert for 127.0.0.1/localhost (and `servingIps`: a node IP, the
 * `kubernetes` Service's ClusterIP), an admin client cert in system:masters, and a service-account key.
 */
export async function generateCerts(dir: string, servingIps: readonly string[] = []): Promise<ControlPlaneCerts> {
  await writeFile(join(dir, 'openssl.cnf'), opensslConfig(servingIps));
  await openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key']);
  await openssl(dir, [
    'req',
    '-x509',
    '-new',
    '-config',
    'openssl.cnf',
    '-key',
    'ca.key',
    '-subj',
    '/CN=cloud-lb-operator-test-ca',
    '-days',
    '30',
    '-extensions',
    'ca',
    '-out',
    'ca.crt',
  ]);
  await leaf(dir, 'serving', '/CN=kube-apiserver', 'serving');
  await leaf(dir, 'admin', '/O=system:masters/CN=cloudlb-admin', 'client');
  await openssl(dir, ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'sa.key']);
  await openssl(dir, ['pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub']);
  const path = (file: string): string => join(dir, file);
  return {
    caCert: path('ca.crt'),
    servingCert: path('serving.crt'),
    servingKey: path('serving.key'),
    adminCert: path('admin.crt'),
    adminKey: path('admin.key'),
    serviceAccountKey: path('sa.key'),
    serviceAccountPub: path('sa.pub'),
  };
}
