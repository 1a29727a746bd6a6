import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { generate } from 'selfsigned';
import type { StatePaths } from './state';

export interface TlsMaterial {
  key: string;
  cert: string;
  /** PEM of the local CA: what child processes trust through NODE_EXTRA_CA_CERTS. */
  caPath: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;
// Renew the server certificate this long before it expires, so a long session never hits expiry.
const RENEW_BEFORE_MS = 30 * DAY_MS;

/**
 * A local CA (kept) and a server certificate for 127.0.0.1 / localhost / ::1 signed by it,
 * generated on first start into the state folder and reused later.
 */
export async function loadOrCreateTls(paths: StatePaths): Promise<TlsMaterial> {
  let ca = readPair(paths.caCert, paths.caKey);
  let renewServer = false;
  if (!ca || expiresSoon(ca.cert)) {
    ca = await createCa();
    writePair(paths.caCert, paths.caKey, ca);
    renewServer = true;
  }
  let server = readPair(paths.serverCert, paths.serverKey);
  if (!server || renewServer || expiresSoon(server.cert) || !issuedBy(server.cert, ca.cert)) {
    server = await createServerCert(ca);
    writePair(paths.serverCert, paths.serverKey, server);
  }
  return { key: server.key, cert: server.cert, caPath: paths.caCert };
}

interface Pair {
  cert: string;
  key: string;
}

async function createCa(): Promise<Pair> {
  const now = new Date();
  const pems = await generate([{ name: 'commonName', value: 'Auth0 Sandbox Local CA' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: now,
    notAfterDate: new Date(now.getTime() + 3650 * DAY_MS),
    extensions: [
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

async function createServerCert(ca: Pair): Promise<Pair> {
  const now = new Date();
  const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: now,
    notAfterDate: new Date(now.getTime() + 397 * DAY_MS),
    ca: { key: ca.key, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

function readPair(certPath: string, keyPath: string): Pair | undefined {
  if (!existsSync(certPath) || !existsSync(keyPath)) return undefined;
  return { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') };
}

function writePair(certPath: string, keyPath: string, pair: Pair): void {
  writeFileSync(keyPath, pair.key, { mode: 0o600 });
  writeFileSync(certPath, pair.cert);
}

function expiresSoon(pem: string): boolean {
  return new Date(new X509Certificate(pem).validTo).getTime() - Date.now() < RENEW_BEFORE_MS;
}

function issuedBy(pem: string, caPem: string): boolean {
  return new X509Certificate(pem).checkIssued(new X509Certificate(caPem));
}
