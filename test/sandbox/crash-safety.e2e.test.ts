import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { openStore } from '../../local/sandbox';

// A real process killed mid-write: in the e2e lane with the other tests of real processes.
const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-crash-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('crash safety', () => {
  test('a process killed in the middle of a write transaction loses nothing committed and leaves nothing half-done', async () => {
    const stateDir = tempDir();
    const database = join(stateDir, 'tenant.db');
    // The child commits one user, then starts a long bulk insert in a single transaction.
    const script = `
      const { openStore } = require(${JSON.stringify(resolve(__dirname, '../../local/sandbox/store'))});
      const store = openStore(${JSON.stringify(database)}, { tenantName: 'sandbox', actionBuildDelayMs: 0 });
      store.connections.create({ name: 'customers', strategy: 'auth0', options: {} });
      store.users.seed([{ connection: 'customers', email: 'committed@example.com' }]);
      const users = Array.from({ length: 1000000 }, (_, i) => ({ connection: 'customers', email: 'u' + i + '@example.com' }));
      process.stdout.write('seeding\\n');
      store.users.seed(users);
      process.stdout.write('finished\\n');
    `;
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    await new Promise<void>((done) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('seeding')) setTimeout(() => child.kill('SIGKILL'), 1000);
      });
      child.on('close', () => done());
    });
    expect(output).toContain('seeding');
    expect(output).not.toContain('finished');

    const store = openStore(database, { tenantName: 'sandbox', actionBuildDelayMs: 0 });
    try {
      expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(store.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM users').get()?.n).toBe(1);
      expect(store.users.findByEmail('committed@example.com')).toHaveLength(1);
    } finally {
      store.close();
    }
  }, 60_000);
});
