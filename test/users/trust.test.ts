import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { requestedEnv } from '../../tooling/users/cli';
import { extraCaCerts, planCaTrust } from '../../tooling/users/trust';
import { removeTemporary, tempDir } from './helpers';

afterAll(removeTemporary);

const SANDBOX = '-----BEGIN CERTIFICATE-----\nsandbox\n-----END CERTIFICATE-----\n';
const CALLER = '-----BEGIN CERTIFICATE-----\ncaller\n-----END CERTIFICATE-----\n';

describe('which CAs a run trusts', () => {
  test("the sandbox CA is added to the caller's extra CAs, never put in their place", () => {
    expect(planCaTrust({ callerPem: CALLER, sandboxPath: '/s/ca.pem', sandboxPem: SANDBOX })).toEqual({
      kind: 'combine',
      pem: `${CALLER}${SANDBOX}`,
    });
  });

  test('no extra CA of the caller (unset, empty or unreadable): the sandbox CA alone', () => {
    expect(planCaTrust({ callerPem: undefined, sandboxPath: '/s/ca.pem', sandboxPem: SANDBOX })).toEqual({
      kind: 'use',
      path: '/s/ca.pem',
    });
    expect(planCaTrust({ callerPem: ' \n', sandboxPath: '/s/ca.pem', sandboxPem: SANDBOX })).toEqual({
      kind: 'use',
      path: '/s/ca.pem',
    });
  });

  test('nothing to do when the caller already trusts the sandbox CA (the same file, a bundle holding it, the re-run) or there is none', () => {
    expect(planCaTrust({ callerPem: SANDBOX, sandboxPath: '/s/ca.pem', sandboxPem: SANDBOX })).toEqual({
      kind: 'ready',
    });
    expect(planCaTrust({ callerPem: `${CALLER}${SANDBOX}`, sandboxPath: '/s/ca.pem', sandboxPem: SANDBOX })).toEqual({
      kind: 'ready',
    });
    expect(planCaTrust({ callerPem: CALLER, sandboxPath: undefined, sandboxPem: undefined })).toEqual({
      kind: 'ready',
    });
  });

  test('a combined file holds both and is removed after the run; another --env or a re-run needs nothing', () => {
    const stateDir = tempDir();
    writeFileSync(join(stateDir, 'ca.pem'), SANDBOX);
    const caller = join(tempDir(), 'caller.pem');
    writeFileSync(caller, CALLER);
    const ca = extraCaCerts('sandbox', { SANDBOX_STATE_DIR: stateDir, NODE_EXTRA_CA_CERTS: caller });
    expect(ca).toBeDefined();
    expect(readFileSync(ca!.path, 'utf8')).toBe(`${CALLER}${SANDBOX}`);
    expect(extraCaCerts('sandbox', { SANDBOX_STATE_DIR: stateDir, NODE_EXTRA_CA_CERTS: ca!.path })).toBeUndefined();
    ca!.cleanup();
    expect(existsSync(dirname(ca!.path))).toBe(false);
    expect(extraCaCerts('sandbox', { SANDBOX_STATE_DIR: stateDir })?.path).toBe(join(stateDir, 'ca.pem'));
    expect(extraCaCerts('prod', { SANDBOX_STATE_DIR: stateDir, NODE_EXTRA_CA_CERTS: caller })).toBeUndefined();
    expect(extraCaCerts('sandbox', { SANDBOX_STATE_DIR: tempDir() })).toBeUndefined();
  });

  test('--env is read as the CLI reads it', () => {
    expect(requestedEnv(['show', 'x'])).toBe('sandbox');
    expect(requestedEnv(['show', '--json', '--env', 'prod', 'x'])).toBe('prod');
    expect(requestedEnv(['block', '--from', 'f.csv', '--env=prod'])).toBe('prod');
    expect(requestedEnv(['block', '--from', '--env'])).toBe('sandbox');
  });
});
