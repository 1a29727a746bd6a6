import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../local/sandbox';
import { statePaths } from '../../local/sandbox/state';
import { loadOrCreateTls } from '../../local/sandbox/tls';
import { sandboxTarget, sandboxVars } from '../../tooling/deploy/sandbox';
import { managementApi, TargetError } from '../../tooling/deploy/target';
import { startTestSandbox } from '../sandbox/helpers';

// `--env sandbox` with SANDBOX_PORT pointing at the wrong server: one line naming the port and what
// answers there, as a known error (printed without a stack), before anything is created.

let sandbox: Sandbox;
const servers: Server[] = [];
const dirs: string[] = [];

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function failure(port: number): Promise<string> {
  const target = sandboxTarget(sandbox.stateDir, String(port));
  const error = await sandboxVars(sandbox.stateDir, target, managementApi(target), { create: true }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TargetError);
  const message = (error as TargetError).message;
  expect(message.split('\n')).toHaveLength(1);
  expect(message).toContain(`SANDBOX_PORT: the sandbox is not on https://127.0.0.1:${port}: `);
  return message;
}

beforeAll(async () => {
  sandbox = await startTestSandbox();
});

afterAll(async () => {
  for (const server of servers) server.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  await sandbox?.close();
});

describe('SANDBOX_PORT pointing at the wrong server', () => {
  it('nothing listening', async () => {
    const port = await listen(createHttpServer());
    servers.pop()?.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await failure(port)).toContain('nothing listens there');
  });

  it('a plain HTTP server', async () => {
    const port = await listen(createHttpServer((_req, res) => res.end('hello')));
    expect(await failure(port)).toMatch(/something answers, but not in HTTPS/);
  });

  it("an HTTPS server of another CA (another sandbox's state, another server)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'other-ca-'));
    dirs.push(dir);
    const tls = await loadOrCreateTls(statePaths(dir));
    const port = await listen(createHttpsServer({ key: tls.key, cert: tls.cert }, (_req, res) => res.end('{}')));
    expect(await failure(port)).toMatch(/an HTTPS server whose certificate this sandbox's CA did not issue/);
  });

  it('an HTTPS server trusted by the CA that is not the sandbox', async () => {
    const tls = await loadOrCreateTls(statePaths(sandbox.stateDir));
    const port = await listen(
      createHttpsServer({ key: tls.key, cert: tls.cert }, (_req, res) => {
        res.statusCode = 404;
        res.end('not found');
      }),
    );
    expect(await failure(port)).toContain('a server that is not the sandbox (POST /oauth/token answered 404)');
  });

  it('the sandbox itself passes', async () => {
    const target = sandboxTarget(sandbox.stateDir, String(new URL(`https://${sandbox.domain}`).port));
    await expect(
      sandboxVars(sandbox.stateDir, target, managementApi(target), { create: false }),
    ).resolves.toHaveProperty('DEPLOY_FINGERPRINT_KEY');
  });
});
