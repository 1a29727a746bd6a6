import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statePaths } from '../../local/sandbox/state';
import { loadOrCreateTls } from '../../local/sandbox/tls';
import { childEnvironment } from '../../tooling/deploy/deploy-cli';
import { TargetError, type Target } from '../../tooling/deploy/target';

// deploy-cli runs in an environment built from scratch; a tenant behind a private CA (the caller's
// NODE_EXTRA_CA_CERTS) must stay reachable from it, alongside the sandbox's own CA. Each check
// spawns plain Node with the environment deploy-cli would get and makes one HTTPS request.

interface TlsServer {
  caPath: string;
  port: number;
  server: Server;
}

const dirs: string[] = [];
let privateCa: TlsServer;
let sandboxCa: TlsServer;

/** The sandbox's own TLS material. */
async function sandboxTls(dir: string): Promise<{ key: string; cert: string; caPath: string }> {
  return loadOrCreateTls(statePaths(dir));
}

/** A corporate CA of another name (CAs are told apart by subject) and a 127.0.0.1 certificate it signs. */
async function privateTls(dir: string): Promise<{ key: string; cert: string; caPath: string }> {
  const year = new Date(Date.now() + 365 * 86_400_000);
  const ca = await generate([{ name: 'commonName', value: 'Example Corp Private CA' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notAfterDate: year,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const server = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notAfterDate: year,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
    ],
  });
  const caPath = join(dir, 'private-ca.pem');
  writeFileSync(caPath, ca.cert);
  return { key: server.private, cert: server.cert, caPath };
}

async function tlsServer(
  material: (dir: string) => Promise<{ key: string; cert: string; caPath: string }>,
): Promise<TlsServer> {
  const dir = mkdtempSync(join(tmpdir(), 'ca-test-'));
  dirs.push(dir);
  const tls = await material(dir);
  const server = createServer({ key: tls.key, cert: tls.cert }, (_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { caPath: tls.caPath, port: (server.address() as AddressInfo).port, server };
}

/** What a child with `env` gets from https://127.0.0.1:<port>/: `ok`, or the TLS error code. */
async function reach(env: NodeJS.ProcessEnv, port: number): Promise<string> {
  const script = `require('https').get('https://127.0.0.1:${port}/', (r) => { r.setEncoding('utf8'); r.on('data', (d) => process.stdout.write(d)); }).on('error', (e) => process.stdout.write(e.code ?? e.message));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { env });
  return stdout;
}

function target(caPath?: string): Target {
  return {
    domain: 'tenant.example',
    clientId: 'id',
    clientSecret: 'secret',
    ...(caPath === undefined ? {} : { caPath }),
  };
}

beforeAll(async () => {
  [privateCa, sandboxCa] = await Promise.all([tlsServer(privateTls), tlsServer(sandboxTls)]);
});

afterAll(() => {
  for (const s of [privateCa, sandboxCa]) s?.server.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("deploy-cli's trusted CAs", () => {
  it("include the caller's NODE_EXTRA_CA_CERTS (a tenant behind a private CA)", async () => {
    const work = mkdtempSync(join(tmpdir(), 'ca-work-'));
    dirs.push(work);
    const env = childEnvironment(target(), { PATH: process.env.PATH, NODE_EXTRA_CA_CERTS: privateCa.caPath }, work);
    expect(await reach(env, privateCa.port)).toBe('ok');
    expect(Object.keys(env).sort()).toEqual(['HOME', 'NODE_EXTRA_CA_CERTS', 'PATH']);
  });

  it("add the caller's CA to the target's, never replace it: one combined PEM for the run", async () => {
    const work = mkdtempSync(join(tmpdir(), 'ca-work-'));
    dirs.push(work);
    const env = childEnvironment(
      target(sandboxCa.caPath),
      { PATH: process.env.PATH, NODE_EXTRA_CA_CERTS: privateCa.caPath },
      work,
    );
    expect(env.NODE_EXTRA_CA_CERTS).toBe(join(work, 'extra-ca.pem'));
    const combined = readFileSync(env.NODE_EXTRA_CA_CERTS ?? '', 'utf8');
    for (const file of [privateCa.caPath, sandboxCa.caPath])
      expect(combined).toContain(readFileSync(file, 'utf8').trim());
    expect(await reach(env, privateCa.port)).toBe('ok');
    expect(await reach(env, sandboxCa.port)).toBe('ok');
  });

  it("are the target's alone without a caller CA, and nothing else trusts a private CA", async () => {
    const work = mkdtempSync(join(tmpdir(), 'ca-work-'));
    dirs.push(work);
    const env = childEnvironment(target(sandboxCa.caPath), { PATH: process.env.PATH }, work);
    expect(env.NODE_EXTRA_CA_CERTS).toBe(sandboxCa.caPath);
    expect(await reach(env, sandboxCa.port)).toBe('ok');
    expect(await reach(env, privateCa.port)).toMatch(/CERT|SELF_SIGNED|VERIFY/);
  });

  it('name an unreadable CA file clearly', () => {
    expect(() => childEnvironment(target(), { NODE_EXTRA_CA_CERTS: '/nonexistent/ca.pem' }, tmpdir())).toThrow(
      new TargetError('cannot read the CA certificates in /nonexistent/ca.pem (NODE_EXTRA_CA_CERTS): ENOENT'),
    );
  });
});
