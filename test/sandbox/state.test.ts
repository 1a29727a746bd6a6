import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, test } from 'vitest';
import { startSandbox, type Sandbox } from '../../local/sandbox';
import { call, clientToken } from './helpers';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-state-'));
  dirs.push(dir);
  return dir;
}

/** A state folder holding the run's CA and keys (test/setup/sandbox-keys.ts): no keys to generate. */
function stateDirWithKeys(): string {
  const dir = tempDir();
  cpSync(inject('sandboxKeysDir'), dir, { recursive: true });
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function restart(stateDir: string, reset = false): Promise<Sandbox> {
  return startSandbox({ stateDir, port: 0, reset });
}

describe('state folder', () => {
  test('survives a restart: data, deploy client, certificate and signing key are reused', async () => {
    const stateDir = stateDirWithKeys();
    const first = await restart(stateDir);
    const client = first.store.clients.create({ name: 'kept', app_type: 'non_interactive' });
    first.store.clientGrants.create({
      client_id: client.client_id,
      audience: first.managementAudience,
      scope: ['read:users'],
    });
    const cert = readFileSync(join(stateDir, 'server.pem'), 'utf8');
    const key = readFileSync(join(stateDir, 'signing-key.pem'), 'utf8');
    const credentials = first.deployClient;
    await first.close();

    // A new port: the Management API's identifier moves with the domain, and grants follow it.
    const second = await restart(stateDir);
    try {
      expect(second.managementAudience).not.toBe(first.managementAudience);
      expect(second.deployClient.client_id).toBe(credentials.client_id);
      expect(readFileSync(join(stateDir, 'server.pem'), 'utf8')).toBe(cert);
      expect(readFileSync(join(stateDir, 'signing-key.pem'), 'utf8')).toBe(key);
      const token = await clientToken(second, client.client_id, client.client_secret ?? '');
      expect(token.status).toBe(200);
      expect(token.body.scope).toBe('read:users');
      expect(
        (await call(second, 'GET', '/api/v2/users-by-email?email=a%40b.c', { token: token.body.access_token })).status,
      ).toBe(200);
    } finally {
      await second.close();
    }
  });

  test('--reset starts clean', async () => {
    const stateDir = stateDirWithKeys();
    const first = await restart(stateDir);
    first.store.clients.create({ name: 'wiped' });
    const oldId = first.deployClient.client_id;
    await first.close();
    const second = await restart(stateDir, true);
    try {
      expect(second.store.clients.list().map((c) => c.name)).not.toContain('wiped');
      expect(second.deployClient.client_id).not.toBe(oldId);
    } finally {
      await second.close();
    }
  });

  test("a 'tenant' reset (npm start) starts a clean tenant but keeps the CA and keys", async () => {
    const stateDir = stateDirWithKeys();
    const first = await restart(stateDir);
    first.store.clients.create({ name: 'wiped' });
    const oldId = first.deployClient.client_id;
    await first.close();
    const kept = ['ca.pem', 'ca-key.pem', 'server.pem', 'signing-key.pem'].map((file) =>
      readFileSync(join(stateDir, file), 'utf8'),
    );
    const second = await startSandbox({ stateDir, port: 0, reset: 'tenant' });
    try {
      expect(second.store.clients.list().map((c) => c.name)).not.toContain('wiped');
      expect(second.deployClient.client_id).not.toBe(oldId);
      expect(
        ['ca.pem', 'ca-key.pem', 'server.pem', 'signing-key.pem'].map((file) =>
          readFileSync(join(stateDir, file), 'utf8'),
        ),
      ).toEqual(kept);
    } finally {
      await second.close();
    }
  });

  test('refuses to use or wipe a folder that is not a sandbox state folder', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'other'));
    writeFileSync(join(dir, 'precious.txt'), 'keep me');
    await expect(startSandbox({ stateDir: dir, port: 0, reset: true })).rejects.toThrow(/not a sandbox state folder/);
    expect(existsSync(join(dir, 'precious.txt'))).toBe(true);
  });

  test('the credentials file is readable by its owner only', async () => {
    const sandbox = await restart(stateDirWithKeys());
    try {
      const { mode } = await import('node:fs').then((fs) => fs.statSync(sandbox.deployClient.credentialsPath));
      expect(mode & 0o077).toBe(0);
      expect(JSON.parse(readFileSync(sandbox.deployClient.credentialsPath, 'utf8'))).toEqual({
        client_id: sandbox.deployClient.client_id,
        client_secret: sandbox.deployClient.client_secret,
      });
    } finally {
      await sandbox.close();
    }
  });
});
