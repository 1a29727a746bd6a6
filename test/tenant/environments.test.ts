import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { keywordReplace } from 'auth0-deploy-cli/lib/tools/utils';
import { describe, expect, it } from 'vitest';
import { IssueError } from '../../tooling/issues';
import { projectPaths } from '../../tooling/paths';
import { findKeywords, listEnvironments, replaceKeywords, resolveEnvironment } from '../../tooling/tenant';
import { ALL_SECRETS } from './helpers';

const paths = projectPaths();

describe('resolveEnvironment', () => {
  it('lists the environments, sandbox (the local default) beside dev, staging and prod', () => {
    expect(listEnvironments(paths)).toEqual(['dev', 'prod', 'sandbox', 'staging']);
  });

  it('takes values from the file and secrets only from the variables the file names', () => {
    const env = resolveEnvironment(paths, 'prod', {
      ...ALL_SECRETS,
      HOME: '/root',
      TERMS_VERSION: 'from the process env',
    });
    expect(env.auth0Domain).toBe('acme-prod.eu.auth0.com');
    expect(env.missingSecrets).toEqual([]);
    expect(env.mappings.TERMS_VERSION).toBe('2026-01');
    expect(env.mappings.WEB_CALLBACKS).toEqual(['https://www.acme.example/callback']);
    expect(env.mappings.LINKING_SESSION_TOKEN_SECRET).toBe(ALL_SECRETS.TENANT_LINKING_SESSION_TOKEN_SECRET);
    expect(env.mappings.TERMS_SESSION_TOKEN_SECRET).toBe(ALL_SECRETS.TENANT_TERMS_SESSION_TOKEN_SECRET);
    expect(env.mappings).not.toHaveProperty('HOME');
    expect([...env.secretKeywords].sort()).toEqual([
      'GOOGLE_CLIENT_SECRET',
      'LINKING_SESSION_TOKEN_SECRET',
      'MGMT_CLIENT_ID',
      'MGMT_CLIENT_SECRET',
      'SMTP_PASSWORD',
      'TERMS_SESSION_TOKEN_SECRET',
    ]);
  });

  it('reports missing (or blank) secrets by keyword and variable name, leaving them out of the mappings', () => {
    const env = resolveEnvironment(paths, 'sandbox', {
      TENANT_LINKING_SESSION_TOKEN_SECRET: '  ',
      TENANT_TERMS_SESSION_TOKEN_SECRET: 'terms',
      TENANT_MGMT_CLIENT_ID: 'id',
    });
    expect(env.missingSecrets).toEqual([
      { keyword: 'LINKING_SESSION_TOKEN_SECRET', envVar: 'TENANT_LINKING_SESSION_TOKEN_SECRET' },
      { keyword: 'MGMT_CLIENT_SECRET', envVar: 'TENANT_MGMT_CLIENT_SECRET' },
      { keyword: 'GOOGLE_CLIENT_SECRET', envVar: 'TENANT_GOOGLE_CLIENT_SECRET' },
      { keyword: 'SMTP_PASSWORD', envVar: 'TENANT_SMTP_PASSWORD' },
    ]);
    expect(env.mappings).not.toHaveProperty('SESSION_TOKEN_SECRET');
    expect(env.mappings.MGMT_CLIENT_ID).toBe('id');
  });

  it('refuses an unknown environment by name', () => {
    expect(() => resolveEnvironment(paths, '../tenant', {})).toThrow(IssueError);
  });
});

describe('replaceKeywords', () => {
  const mappings = { ...resolveEnvironment(paths, 'dev', ALL_SECRETS).mappings, ODD: 'a$&b$1', LIST: ['x', "y'z"] };

  it("substitutes exactly as auth0-deploy-cli's own keywordReplace, on every file the tenant holds", () => {
    const files = [
      paths.tenantFile,
      ...readdirSync(join(paths.tenantDir, 'emailTemplates')).map((f) => join(paths.tenantDir, 'emailTemplates', f)),
    ];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      expect(replaceKeywords(text, mappings)).toBe(keywordReplace(text, mappings));
    }
  });

  it('matches it on the awkward cases too: quoted and bare @@ markers, $ patterns, repeats, unmapped markers', () => {
    const text =
      "a: '@@LIST@@'\nb: \"@@LIST@@\"\nc: @@LIST@@\nd: '##ODD##-##ODD##'\ne: '##NOT_MAPPED##' @@ALSO_NOT@@\n";
    expect(replaceKeywords(text, mappings)).toBe(keywordReplace(text, mappings));
    expect(replaceKeywords(text, mappings)).toContain("d: 'a$&b$1-a$&b$1'");
  });

  it('finds markers of both kinds with their offsets', () => {
    expect(findKeywords("x: '##A##' y: @@B_2@@ ## not one ##")).toEqual([
      { kind: 'text', name: 'A', offset: 4 },
      { kind: 'json', name: 'B_2', offset: 14 },
    ]);
  });
});
