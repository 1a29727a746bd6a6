import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ActionLoadError, LIMITS, loadAction } from '../../local/runtime';
import { login } from './helpers';

const valid = 'exports.onExecutePostLogin = async (event, api) => {};';

describe('loader', () => {
  it('loads a CommonJS Action with an async onExecutePostLogin', () => {
    const loaded = loadAction({ name: 'ok', code: valid });
    expect(loaded.onContinuePostLogin).toBeUndefined();
    expect(loaded.codeBytes).toBe(Buffer.byteLength(valid));
  });

  it('rejects a handler that is not an async function, like Auth0 ("Invalid function signature")', () => {
    expect(() =>
      loadAction({ name: 'sync', code: 'exports.onExecutePostLogin = (event, api) => Promise.resolve();' }),
    ).toThrow(/Invalid function signature/);
    expect(() => loadAction({ name: 'missing', code: 'exports.somethingElse = async () => {};' })).toThrow(
      /onExecutePostLogin must be an async function/,
    );
    expect(() => loadAction({ name: 'cont', code: `${valid} exports.onContinuePostLogin = function () {};` })).toThrow(
      /onContinuePostLogin must be an async function/,
    );
  });

  it('accepts module.exports assignment and esbuild-style getters', () => {
    const code =
      'var m = {}; Object.defineProperty(m, "onExecutePostLogin", { enumerable: true, get: () => h }); async function h() {} module.exports = m;';
    expect(loadAction({ name: 'getters', code }).onExecutePostLogin).toBeTypeOf('function');
  });

  it('checks the 100 kB code size limit', () => {
    const pad = (n: number): string => `${valid}\n//${'x'.repeat(n - Buffer.byteLength(valid) - 3)}`;
    expect(() => loadAction({ name: 'at-limit', code: pad(LIMITS.codeSizeBytes) })).not.toThrow();
    expect(() => loadAction({ name: 'over', code: pad(LIMITS.codeSizeBytes + 1) })).toThrow(ActionLoadError);
  });

  it('limits require to Node built-ins and declared dependencies at their declared version', async () => {
    const builtin = loadAction({
      name: 'crypto',
      code: 'const c = require("node:crypto"); const f = require("fs"); exports.onExecutePostLogin = async (e, api) => { api.idToken.setCustomClaim("h", c.createHash("sha256").update("x").digest("hex").length + typeof f.readFileSync); };',
    });
    expect((await login([builtin])).idTokenClaims['h']).toBe('64function');

    const undeclared = 'const y = require("yaml"); exports.onExecutePostLogin = async () => {};';
    expect(() => loadAction({ name: 'undeclared', code: undeclared })).toThrow(
      /Cannot find module 'yaml'.*not a declared dependency/,
    );

    const version = (JSON.parse(readFileSync(require.resolve('yaml/package.json'), 'utf8')) as { version: string })
      .version;
    expect(() =>
      loadAction({ name: 'declared', code: undeclared, dependencies: [{ name: 'yaml', version }] }),
    ).not.toThrow();
    expect(() =>
      loadAction({ name: 'wrong-version', code: undeclared, dependencies: [{ name: 'yaml', version: '0.0.1' }] }),
    ).toThrow(/declared at 0.0.1/);
    expect(() =>
      loadAction({ name: 'absent', code: valid, dependencies: [{ name: 'left-pad-nope', version: '1.0.0' }] }),
    ).not.toThrow();
    const tooMany = Array.from({ length: 11 }, (_, i) => ({ name: `d${i}`, version: '1.0.0' }));
    expect(() => loadAction({ name: 'many', code: valid, dependencies: tooMany })).toThrow(/11 dependencies/);
  });

  it('injects secrets into event.secrets and enforces count, name and value limits', async () => {
    const code =
      'exports.onExecutePostLogin = async (event, api) => { api.idToken.setCustomClaim("s", event.secrets.API_KEY); };';
    const loaded = loadAction({ name: 'secrets', code, secrets: { API_KEY: 'k1' } });
    expect((await login([loaded])).idTokenClaims['s']).toBe('k1');

    const many = Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`S${i}`, 'v']));
    expect(() => loadAction({ name: 'many', code, secrets: many })).toThrow(/31 secrets/);
    expect(() => loadAction({ name: 'long-name', code, secrets: { ['N'.repeat(129)]: 'v' } })).toThrow(/secret name/);
    expect(() => loadAction({ name: 'long-value', code, secrets: { V: 'v'.repeat(4097) } })).toThrow(
      /longer than 4096/,
    );
    expect(() => loadAction({ name: 'max', code, secrets: { ['N'.repeat(128)]: 'v'.repeat(4096) } })).not.toThrow();
  });

  it('runs module-level code once per instance and reuses it across executions', async () => {
    const loaded = loadAction({
      name: 'warm',
      code: 'let runs = 0; exports.onExecutePostLogin = async (e, api) => { runs++; api.idToken.setCustomClaim("runs", runs); };',
    });
    await login([loaded]);
    expect((await login([loaded])).idTokenClaims['runs']).toBe(2);
  });

  it('gives the Action the injected fetch as its global fetch', async () => {
    const fake = (async () => new Response('{"ok":true}')) as typeof fetch;
    const loaded = loadAction({
      name: 'fetcher',
      fetch: fake,
      code: 'exports.onExecutePostLogin = async (e, api) => { const r = await fetch("https://x.test/"); api.idToken.setCustomClaim("body", await r.json()); };',
    });
    expect((await login([loaded])).idTokenClaims['body']).toEqual({ ok: true });
  });

  it('reports code that does not compile or throws at load', () => {
    expect(() => loadAction({ name: 'syntax', code: 'exports.onExecutePostLogin = async (' })).toThrow(
      /does not compile/,
    );
    expect(() => loadAction({ name: 'throws', code: 'throw new Error("boom");' })).toThrow(/module code threw: boom/);
  });
});

describe('clock', () => {
  it("the Action's Date follows the runtime clock, per execution", async () => {
    const code =
      'exports.onExecutePostLogin = async (e, api) => { api.idToken.setCustomClaim("now", Date.now()); api.idToken.setCustomClaim("iso", new Date().toISOString()); api.idToken.setCustomClaim("parsed", new Date("2020-01-01T00:00:00Z").getTime()); };';
    const loaded = loadAction({ name: 'clock', code });
    const fixed = Date.UTC(2030, 0, 2);
    const claims = (await login([loaded], {}, { now: () => fixed })).idTokenClaims;
    expect(claims).toEqual({ now: fixed, iso: '2030-01-02T00:00:00.000Z', parsed: Date.UTC(2020, 0, 1) });
    const real = (await login([loaded])).idTokenClaims['now'] as number;
    expect(Math.abs(real - Date.now())).toBeLessThan(5000);
  });
});
