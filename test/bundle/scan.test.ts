import { describe, expect, it } from 'vitest';
import { maskCode, scanCode } from '../../tooling/bundle/scan';

describe('scanCode: secrets', () => {
  it('finds direct, aliased and destructured reads', () => {
    const code = [
      'const a = event.secrets.DIRECT;',
      'const b = event.secrets?.OPTIONAL;',
      'const c = event.secrets["INDEXED"];',
      'function readConfig(event) {',
      '  const secrets = event.secrets ?? {};',
      '  return [secrets.ALIASED, secrets?.ALIASED_OPTIONAL, secrets["ALIASED_INDEXED"]];',
      '}',
      'const { DESTRUCTURED, RENAMED: renamed } = event.secrets;',
    ].join('\n');
    expect(scanCode(code).secrets).toEqual([
      'ALIASED',
      'ALIASED_INDEXED',
      'ALIASED_OPTIONAL',
      'DESTRUCTURED',
      'DIRECT',
      'INDEXED',
      'OPTIONAL',
      'RENAMED',
    ]);
    expect(scanCode(code).untraceableSecrets).toEqual([]);
  });

  it('reports reads it cannot follow instead of guessing', () => {
    const code = [
      'const v = event.secrets[name];',
      'readAll(event.secrets);',
      'const s = event.secrets;',
      'send(s);',
      'const { A, ...rest } = event.secrets;',
    ].join('\n');
    expect(scanCode(code).untraceableSecrets).toEqual([
      'const v = event.secrets[name];',
      'readAll(event.secrets);',
      'const { A, ...rest } = event.secrets;',
      'send(s);',
    ]);
  });

  it('ignores comments and strings', () => {
    const code = [
      '// event.secrets.IN_COMMENT',
      '/* event.secrets.IN_BLOCK */',
      'log("event.secrets.IN_STRING");',
      'log(`missing secrets: ${event.secrets.IN_TEMPLATE}`);',
      'const re = /event.secrets.IN_REGEX/;',
    ].join('\n');
    expect(scanCode(code).secrets).toEqual(['IN_TEMPLATE']);
  });
});

describe('scanCode: app_metadata keys', () => {
  it('finds writes, direct reads and reads through names holding app_metadata', () => {
    const code = [
      'api.user.setAppMetadata("written", 1);',
      'const t = event.user.app_metadata.direct;',
      'const u = asRecord(event.user?.app_metadata)?.wrapped;',
      'const meta = asRecord(event.user.app_metadata) ?? {};',
      'if (meta.aliased) meta["indexed"] = 1;',
      'function read(appMetadata) { return appMetadata?.parameter; }',
      'const state = readState(event.user.app_metadata, now);',
      'if (state.status) meta.hasOwnProperty("x");',
    ].join('\n');
    expect(scanCode(code).appMetadataKeys).toEqual(['aliased', 'direct', 'indexed', 'parameter', 'wrapped', 'written']);
  });
});

describe('scanCode: redirects', () => {
  it('sees sendUserTo and prompt.render calls, not mentions', () => {
    expect(scanCode('api.redirect.sendUserTo(url, { query });').redirects).toBe(true);
    expect(scanCode('api.prompt.render("form-id");').redirects).toBe(true);
    expect(scanCode('// api.redirect.sendUserTo(url)\nconst s = "sendUserTo(";').redirects).toBe(false);
  });
});

describe('maskCode', () => {
  it('keeps length and line breaks, blanks comments and literal contents', () => {
    const code = 'a = "x\\"y"; // c\nb = `t${ "s" + `u${v}` }w`; /* d */ c = x / 2 / y; r = /[/]x/g;';
    const masked = maskCode(code);
    expect(masked).toHaveLength(code.length);
    expect(masked.split('\n')).toHaveLength(2);
    expect(masked).toBe('a = "    ";     \nb = ` ${ " " + ` ${v}` } `;         c = x / 2 / y; r = /    /g;');
  });
});
