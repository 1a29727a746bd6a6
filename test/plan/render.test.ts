import { describe, expect, it } from 'vitest';
import { planExitCode, type Plan } from '../../tooling/plan/model';
import { renderMarkdown } from '../../tooling/plan/render/markdown';
import { renderTerminal } from '../../tooling/plan/render/terminal';

const plan: Plan = {
  environment: 'dev',
  domain: 'acme-dev.eu.auth0.com',
  changes: [
    {
      type: 'tenant',
      key: '',
      kind: 'update',
      fields: [{ path: 'friendly_name', before: 'Acme | old', after: 'Acme (dev)' }],
    },
    { type: 'clients', key: 'Customer Web App', kind: 'unchanged', fields: [] },
    { type: 'clients', key: 'Rogue `App`', kind: 'drift', fields: [] },
    {
      type: 'actions',
      key: 'enforce-terms',
      kind: 'update',
      fields: [
        { path: 'code', note: 'changed (sources aaaa → sources bbbb)' },
        { path: 'secrets.TERMS_URL', note: 'secret changed' },
      ],
    },
    { type: 'actions', key: 'new-action', kind: 'create', fields: [] },
    {
      type: 'emailTemplates',
      key: 'verify_email',
      kind: 'update',
      fields: [{ path: 'body', before: 'a\nb', after: 'a\nb\nc' }],
    },
  ],
  notes: ['secrets.X: TENANT_X is not set here, so it was not compared'],
};

describe('plan output', () => {
  it('reads in a terminal: one line per change, fields indented, a summary, colour only when asked', () => {
    const text = renderTerminal(plan, { colour: false });
    expect(text).toBe(
      [
        'Tenant plan for dev (acme-dev.eu.auth0.com)',
        '',
        '  ~ tenant  update',
        '      friendly_name: "Acme | old" → "Acme (dev)"',
        '  ! clients Rogue `App`  only in the tenant: left alone (npm run deploy -- --allow-delete removes it)',
        '  ~ actions enforce-terms  update',
        '      code: changed (sources aaaa → sources bbbb)',
        '      secrets.TERMS_URL: secret changed',
        '  + actions new-action  create',
        '  ~ emailTemplates verify_email  update',
        '      body: text changed (2 → 3 lines)',
        '',
        '1 to create, 3 to update, 1 only in the tenant (drift), 1 unchanged',
        '',
        'Notes:',
        '  - secrets.X: TENANT_X is not set here, so it was not compared',
        '',
      ].join('\n'),
    );
    expect(text).not.toContain('\u001b[');
    expect(renderTerminal(plan, { colour: true })).toContain('\u001b[32m+\u001b[0m actions new-action');
  });

  it('renders Markdown whose table cannot be broken by a value', () => {
    const md = renderMarkdown(plan);
    expect(md).toContain('| ✏️ | `tenant` | `friendly_name: "Acme \\| old" → "Acme (dev)"` |');
    expect(md).toContain("| ⚠️ | `clients Rogue 'App'` |");
    expect(md).toContain('`code: changed (sources aaaa → sources bbbb)`<br>`secrets.TERMS_URL: secret changed`');
    expect(
      md
        .split('\n')
        .filter((line) => line.startsWith('|'))
        .every((line) => line.split(/(?<!\\)\|/).length === 5),
    ).toBe(true);
  });

  it('exits 2 on changes or drift, 0 when everything is unchanged', () => {
    expect(planExitCode(plan)).toBe(2);
    const clean: Plan = { ...plan, changes: plan.changes.filter((c) => c.kind === 'unchanged') };
    expect(planExitCode(clean)).toBe(0);
    expect(renderTerminal(clean, { colour: false })).toContain(
      'No changes: the tenant matches tenant.yaml for dev (1 resource).',
    );
  });
});

describe('what reviewers see', () => {
  const diff = [
    '--- tenant/body',
    '+++ repository/body',
    '@@ -1,3 +1,3 @@',
    ' <p>Hello</p>',
    '-<p>Old ```text```</p>',
    '+<p>New</p>',
    ' <p>Bye</p>',
  ].join('\n');
  const reviewed: Plan = {
    environment: 'dev',
    domain: 'acme-dev.eu.auth0.com',
    changes: [
      {
        type: 'emailTemplates',
        key: 'verify_email',
        kind: 'update',
        fields: [{ path: 'body', before: 'a\nb\nc', after: 'a\nB\nc', diff }],
      },
      { type: 'clients', key: 'Shop', kind: 'create', fields: [], renamedFrom: 'Web <App>' },
      { type: 'clients', key: 'Web <App>', kind: 'drift', fields: [], renamedTo: 'Shop' },
    ],
    notes: [],
  };

  it('the terminal shows the diff under its field, and a rename as a rename with its consequence', () => {
    const text = renderTerminal(reviewed, { colour: false });
    expect(text).toContain(
      ['      body: text changed (3 → 3 lines)', ...diff.split('\n').map((line) => `        ${line}`)].join('\n'),
    );
    expect(text).toContain(
      '  + clients Shop  rename of "Web <App>": a deploy creates a new client (a new client_id and secret: every application configured with the old ones must change) and leaves "Web <App>" in the tenant; to keep it, rename it in the tenant first',
    );
    expect(text).toContain('  ! clients Web <App>  renamed to "Shop" in tenant.yaml: only in the tenant');
    expect(renderTerminal(reviewed, { colour: true })).toContain('\u001b[32m+<p>New</p>\u001b[0m');
  });

  it('Markdown folds each diff after the table, in a fence its content cannot close', () => {
    const md = renderMarkdown(reviewed);
    expect(md).toContain('| ✏️ | `emailTemplates verify_email` | `body: text changed (3 → 3 lines) (diff below)` |');
    expect(md).toContain(
      [
        '<details><summary>emailTemplates verify_email body</summary>',
        '',
        '````diff',
        diff,
        '````',
        '',
        '</details>',
      ].join('\n'),
    );
    expect(md).toContain('| ➕ | `clients Shop` | rename of "Web \\<App\\>": a deploy creates a new client');
    expect(
      md
        .split('\n')
        .filter((line) => line.startsWith('|'))
        .every((line) => line.split(/(?<!\\)\|/).length === 5),
    ).toBe(true);
  });
});
