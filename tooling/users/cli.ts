import { parseArgs } from 'node:util';
import { auditEntryFor, AuditLog, operatorName, parseReason } from './audit';
import { BulkRun, runChecked, type BulkSummary } from './bulk';
import { SdkUsersApi, type UsersApi } from './client';
import {
  COMMANDS,
  findCommand,
  type Command,
  type CommandOptions,
  type Item,
  type Outcome,
  type RunContext,
} from './commands';
import { CommandError, describeError, UsageError } from './errors';
import { readBulkInput, type BulkInput } from './input';
import { Journal } from './journal';
import { Progress } from './progress';
import { RateGate } from './rate';
import { removeSelection, saveSelection, selectByQuery, selectionPath } from './selection';
import { resolveTarget, type Target } from './target';

/** Where the CLI writes and what it reads: the process, or a test's capture. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: { write(text: string): void; isTTY: boolean };
  env: Readonly<Record<string, string | undefined>>;
  /** Registers a handler for Ctrl-C / SIGTERM; returns its removal. */
  onInterrupt: (handler: () => void) => () => void;
}

export const EXIT = { ok: 0, error: 1, usage: 2 } as const;

const DEFAULT_RATE = 10;
const DEFAULT_CONCURRENCY = 8;
// See metadata.ts: how long a metadata edit waits before checking it was not overwritten.
const SETTLE_MS = 500;
// After Ctrl-C, how long users in flight may take before the ones still waiting to send are cut short.
const STOP_GRACE_MS = 1500;

const OPTIONS = {
  env: { type: 'string', default: 'sandbox' },
  json: { type: 'boolean', default: false },
  'dry-run': { type: 'boolean', default: false },
  confirm: { type: 'string' },
  from: { type: 'string' },
  journal: { type: 'string' },
  rate: { type: 'string' },
  concurrency: { type: 'string' },
  query: { type: 'string' },
  audit: { type: 'string' },
  reason: { type: 'string' },
  'carry-blocks': { type: 'boolean', default: false },
  'allow-email-mismatch': { type: 'boolean', default: false },
  'allow-unverified': { type: 'boolean', default: false },
  'restore-metadata': { type: 'boolean', default: false },
  set: { type: 'string', multiple: true, default: [] as string[] },
  unset: { type: 'string', multiple: true, default: [] as string[] },
  meta: { type: 'string', multiple: true, default: [] as string[] },
  'unset-meta': { type: 'string', multiple: true, default: [] as string[] },
  ttl: { type: 'string' },
  output: { type: 'string' },
  connection: { type: 'string' },
  upsert: { type: 'boolean', default: false },
  format: { type: 'string' },
  fields: { type: 'string' },
  'result-url': { type: 'string' },
  email: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** Options that belong to one or two commands only. */
const COMMAND_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  confirm: ['delete', 'link'],
  'carry-blocks': ['link'],
  'allow-email-mismatch': ['link'],
  'allow-unverified': ['link'],
  'restore-metadata': ['unlink'],
  set: ['update'],
  unset: ['update'],
  meta: ['update'],
  'unset-meta': ['update'],
  ttl: ['reset-password'],
  output: ['export-users'],
  connection: ['export-users', 'import-users'],
  upsert: ['import-users'],
  format: ['export-users'],
  fields: ['export-users'],
  'result-url': ['reset-password'],
  email: ['reset-password'],
};

/** Longest ticket lifetime Auth0 accepts (30 days). */
const MAX_TTL_SECONDS = 2_592_000;

interface Invocation {
  command: Command;
  positionals: string[];
  env: string;
  json: boolean;
  dryRun: boolean;
  confirm: string | undefined;
  from: string | undefined;
  query: string | undefined;
  journal: string | undefined;
  rate: number;
  concurrency: number;
  options: CommandOptions;
  auditPath: string | undefined;
  reason: string | undefined;
}

/** `npm run users -- <command> ...`; resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let invocation: Invocation | undefined;
  let audit: AuditLog | undefined;
  try {
    invocation = parseInvocation(argv, io);
    if (!invocation) return EXIT.ok;
    const target = resolveTarget(invocation.env, io.env);
    io.stderr.write(`tenant: ${target.env} ${target.domain} (${target.domainSource}), as ${target.credentialSource}\n`);
    // A bulk input is read and checked in full before the first request.
    let bulk =
      invocation.from === undefined
        ? undefined
        : prepareBulk(
            invocation,
            readBulkInput(invocation.from, invocation.command, fixedArgs(invocation.command, invocation.positionals)),
            invocation.from,
            target,
          );
    audit = openAudit(invocation, target, io);
    const gate = new RateGate({ rate: invocation.rate });
    const api = await SdkUsersApi.connect({ domain: target.domain, credentials: target.credentials }, gate);
    if (invocation.query !== undefined) bulk = await prepareQuery(invocation, invocation.query, api, target, io);
    const ctx = runContext(api, target, invocation, audit, io);
    if (bulk) return await runBulk(invocation, bulk, ctx, gate, io);
    return await runSingle(invocation, ctx, io);
  } catch (error) {
    if (invocation && audit && audited(invocation)) {
      const [user = ''] = invocation.positionals;
      audit.append(auditEntryFor(invocation.command.name, user, error));
    }
    return reportError(error, invocation, io);
  }
}

/** Changes are audited, and so are access exports (personal data leaving the tenant); dry runs change nothing. */
function audited(invocation: Invocation): boolean {
  return (
    (invocation.command.mutates ||
      invocation.command.name === 'export' ||
      invocation.command.name === 'export-users') &&
    !invocation.dryRun
  );
}

/**
 * The audit log: --audit, else USERS_AUDIT_LOG. Required for changes to any tenant but the
 * sandbox: a change to real users without a trail is refused before it starts.
 */
function openAudit(invocation: Invocation, target: Target, io: CliIo): AuditLog | undefined {
  if (!invocation.auditPath) {
    if (audited(invocation) && target.env !== 'sandbox') {
      throw new UsageError(
        `${invocation.command.name} on --env ${target.env} needs an audit log`,
        'give --audit <file> or set USERS_AUDIT_LOG',
      );
    }
    return undefined;
  }
  return AuditLog.open(invocation.auditPath, {
    operator: operatorName(io.env),
    clientId: clientIdOf(target),
    tenant: target.domain,
    reason: invocation.reason,
  });
}

function clientIdOf(target: Target): string {
  const { credentials } = target;
  if ('clientId' in credentials) return credentials.clientId;
  // An access token's client is its azp claim; the token is only read here, never verified or printed.
  try {
    const payload: unknown = JSON.parse(
      Buffer.from(credentials.accessToken.split('.')[1] ?? '', 'base64url').toString('utf8'),
    );
    const azp = typeof payload === 'object' && payload !== null && 'azp' in payload ? payload.azp : undefined;
    if (typeof azp === 'string' && /^[A-Za-z0-9_-]{1,128}$/.test(azp)) return azp;
  } catch {
    // not a JWT: named below
  }
  return 'unknown (AUTH0_ACCESS_TOKEN)';
}

/** The `--env` an argument list asks for, before it is validated (the entry point decides which CA to trust with it). */
export function requestedEnv(argv: readonly string[]): string {
  const { values } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: false });
  return typeof values.env === 'string' ? values.env : OPTIONS.env.default;
}

function parseInvocation(argv: readonly string[], io: CliIo): Invocation | undefined {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(describeError(error).message, 'see `users --help`');
  }
  const { values, positionals } = parsed;
  const [name, ...rest] = positionals;
  if (name === undefined) {
    io.stdout(usage());
    if (values.help) return undefined;
    throw new UsageError('no command given', 'pick one of the commands above');
  }
  const command = findCommand(name);
  if (!command)
    throw new UsageError(`unknown command "${name}"`, `use one of: ${COMMANDS.map((c) => c.name).join(', ')}`);
  if (values.help) {
    io.stdout(commandUsage(command));
    return undefined;
  }
  if (values['dry-run'] && !command.mutates)
    throw new UsageError(`${name} changes nothing; --dry-run does not apply`, 'drop --dry-run');
  for (const [option, commands] of Object.entries(COMMAND_OPTIONS)) {
    const value = values[option as keyof typeof values];
    const given = Array.isArray(value) ? value.length > 0 : value !== undefined && value !== false;
    if (given && !commands.includes(command.name))
      throw new UsageError(`--${option} is for ${commands.join(' and ')} only`, `drop --${option}`);
  }
  if (values.from !== undefined && values.query !== undefined)
    throw new UsageError('--from and --query both select users', 'use one of them');
  const bulk = values.from !== undefined || values.query !== undefined;
  if (values.query !== undefined && values.journal === undefined && !values['dry-run']) {
    throw new UsageError(
      '--query needs --journal <file>: where the run records itself and its selection, to resume',
      'e.g. --journal trial-users.block.journal',
    );
  }
  if (bulk && !command.bulk) {
    throw new UsageError(`${name} does not run in bulk`, `${name} takes one user at a time`);
  }
  if (!bulk && values.journal !== undefined)
    throw new UsageError('--journal is for bulk runs (--from, --query)', 'drop --journal');
  const expected = (bulk || command.takesUser === false ? 0 : 1) + command.args.length;
  const allowed = bulk ? [0, command.args.length] : [expected];
  if (!allowed.includes(rest.length)) {
    throw new UsageError(
      `${name} takes ${bulk ? `${command.args.map((a) => `<${a.name}>`).join(' ') || 'no arguments'} with --from` : `${expected} argument(s)`}, got ${rest.length}`,
      `usage: ${synopsis(command)}`,
    );
  }
  return {
    command,
    positionals: rest,
    env: values.env,
    json: values.json,
    dryRun: values['dry-run'],
    confirm: values.confirm,
    from: values.from,
    query: values.query,
    journal: values.journal,
    rate: positiveNumber('--rate', values.rate, DEFAULT_RATE),
    concurrency: Math.floor(positiveNumber('--concurrency', values.concurrency, DEFAULT_CONCURRENCY)),
    options: {
      carryBlocks: values['carry-blocks'],
      allowEmailMismatch: values['allow-email-mismatch'],
      allowUnverified: values['allow-unverified'],
      restoreMetadata: values['restore-metadata'],
      set: values.set,
      unset: values.unset,
      setMeta: values.meta,
      unsetMeta: values['unset-meta'],
      ttlSec: values.ttl === undefined ? undefined : ttlSeconds(values.ttl),
      resultUrl: values['result-url'] === undefined ? undefined : resultUrl(values['result-url']),
      sendEmail: values.email,
      output: values.output,
      connection: values.connection,
      upsert: values.upsert,
      format: exportFormat(values.format),
      fields:
        values.fields === undefined
          ? []
          : values.fields
              .split(',')
              .map((field) => field.trim())
              .filter(Boolean),
    },
    auditPath: values.audit ?? (io.env.USERS_AUDIT_LOG?.trim() || undefined),
    reason: parseReason(values.reason),
  };
}

function exportFormat(value: string | undefined): 'json' | 'csv' {
  if (value === undefined || value === 'json' || value === 'csv') return value ?? 'json';
  throw new UsageError('--format is json or csv', 'e.g. --format csv');
}

function ttlSeconds(value: string): number {
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_TTL_SECONDS) {
    throw new UsageError(
      `--ttl ${value.length > 20 ? '(too long)' : value} is not a whole number of seconds from 1 to ${MAX_TTL_SECONDS}`,
      'e.g. --ttl 3600 (one hour)',
    );
  }
  return seconds;
}

function resultUrl(value: string): string {
  let url: URL | undefined;
  try {
    url = value.length <= 1024 ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || url.protocol !== 'https:')
    throw new UsageError(
      '--result-url must be an https:// URL of at most 1024 characters',
      'e.g. --result-url https://app.example.com/login',
    );
  return url.toString();
}

function positiveNumber(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0 || number > 1000)
    throw new UsageError(`${flag} ${value} is not a number between 0 and 1000`, `e.g. ${flag} ${fallback}`);
  return number;
}

function runContext(
  api: UsersApi,
  target: Target,
  invocation: Invocation,
  audit: AuditLog | undefined,
  io: CliIo,
): Omit<RunContext, 'recheck'> {
  const clients = new Map<string, Promise<boolean>>();
  return {
    api,
    tenant: target.domain,
    dryRun: invocation.dryRun,
    confirm: invocation.confirm,
    // Checked against the input's size before the run (prepareBulk).
    bulkConfirmed: invocation.from !== undefined && invocation.command.name === 'delete',
    options: invocation.options,
    audit,
    clientId: clientIdOf(target),
    note: (text) => io.stderr.write(text),
    settleMs: SETTLE_MS,
    clientExists: (clientId) => {
      let known = clients.get(clientId);
      if (!known) {
        known = api.clientExists(clientId);
        clients.set(clientId, known);
      }
      return known;
    },
  };
}

/** Named arguments from the command line (`<user> <client_id>` → {client_id}). */
function fixedArgs(command: Command, values: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    command.args.flatMap((spec, i) => (values[i] === undefined ? [] : [[spec.name, spec.parse(values[i])]])),
  );
}

async function runSingle(invocation: Invocation, ctx: Omit<RunContext, 'recheck'>, io: CliIo): Promise<number> {
  const { command, positionals } = invocation;
  const [user = '', ...args] = command.takesUser === false ? ['', ...positionals] : positionals;
  const item: Item = { index: 0, user, args: fixedArgs(command, args) };
  const outcome = await runChecked(command, { ...ctx, recheck: false }, item);
  if (ctx.audit && audited(invocation)) ctx.audit.append(auditEntryFor(command.name, user, outcome));
  if (invocation.json) io.stdout(`${JSON.stringify(toJson(command, outcome))}\n`);
  else io.stdout(`${outcome.message}\n`);
  return EXIT.ok;
}

function toJson(command: Command, outcome: Outcome): Record<string, unknown> {
  return {
    command: command.name,
    status: outcome.status,
    user_id: outcome.userId,
    // What show and export report is their data; the message is its rendering for people.
    ...(command.mutates ? { message: outcome.message } : {}),
    ...(outcome.data === undefined ? {} : { data: outcome.data }),
  };
}

interface BulkPlan {
  input: BulkInput;
  /** The --query the users were selected by: its selection file goes once the run completes. */
  selection?: string;
  /** Absent for a dry run: nothing is recorded. */
  journal: Journal | undefined;
  journalPath: string;
}

async function prepareQuery(
  invocation: Invocation,
  query: string,
  api: UsersApi,
  target: Target,
  io: CliIo,
): Promise<BulkPlan> {
  const journalPath = invocation.journal ?? '';
  const input = await selectByQuery(
    api,
    query,
    journalPath,
    invocation.command,
    fixedArgs(invocation.command, invocation.positionals),
  );
  io.stderr.write(
    `${input.resumed ? `resuming the selection in ${selectionPath(journalPath)}` : 'the query selects'}: ${input.items.length} users\n`,
  );
  const plan = prepareBulk(invocation, input, 'the query', target);
  if (plan.journal && !input.resumed) saveSelection(journalPath, query, input);
  return { ...plan, selection: query };
}

function prepareBulk(invocation: Invocation, input: BulkInput, source: string, target: Target): BulkPlan {
  const { command } = invocation;
  const args = fixedArgs(command, invocation.positionals);
  const erasure = command.name === 'delete';
  if (erasure && !invocation.dryRun && invocation.confirm !== String(input.items.length)) {
    throw new UsageError(
      `erasing the ${input.items.length} users of ${source} needs --confirm ${input.items.length}`,
      `check the list first with --dry-run, then repeat its size: --confirm ${input.items.length}`,
    );
  }
  const journalPath = invocation.journal ?? `${source}.${command.name}.journal`;
  // An erasure's journal must not keep what it erased: users are recorded as hashes.
  const journal = invocation.dryRun
    ? undefined
    : Journal.open(
        journalPath,
        {
          journal: 1,
          command: command.name,
          args,
          tenant: target.domain,
          digest: input.digest,
          items: input.items.length,
        },
        input.items.map((item) => item.user),
        { hashIdentifiers: erasure },
      );
  return { input, journal, journalPath };
}

async function runBulk(
  invocation: Invocation,
  plan: BulkPlan,
  ctx: Omit<RunContext, 'recheck'>,
  gate: RateGate,
  io: CliIo,
): Promise<number> {
  const { command } = invocation;
  const { input, journal, journalPath } = plan;
  const remaining = input.items.length - (journal?.completed.size ?? 0);
  if (journal && journal.completed.size > 0) {
    io.stderr.write(
      `resuming ${journalPath}: ${journal.completed.size} of ${input.items.length} already done` +
        `${journal.inDoubt.size > 0 ? `, ${journal.inDoubt.size} to recheck (in flight when the last run stopped)` : ''}\n`,
    );
  }
  const progress = new Progress(io.stderr, remaining, () => gate.pausedFor());
  const run = new BulkRun(command, ctx, input.items, {
    concurrency: invocation.concurrency,
    ...(journal ? { journal } : {}),
    progress,
    ...(invocation.dryRun && !invocation.json
      ? { onOutcome: (item, message) => io.stdout(`line ${item.line}: ${message}\n`) }
      : {}),
    ...(ctx.audit && audited(invocation) ? { audit: ctx.audit } : {}),
  });
  let interrupts = 0;
  let cutShort: NodeJS.Timeout | undefined;
  const removeHandler = io.onInterrupt(() => {
    interrupts += 1;
    if (interrupts > 1) return;
    io.stderr.write('\nstopping: waiting for the users in flight; run the same command again to resume\n');
    run.stop();
    // Users still waiting for their next request after this (a 429's pause) stop here; a resume rechecks them.
    cutShort = setTimeout(() => gate.abort(), STOP_GRACE_MS);
  });
  let summary: BulkSummary;
  try {
    progress.start();
    summary = await run.run();
  } finally {
    clearTimeout(cutShort);
    removeHandler();
    journal?.close();
    progress.end();
  }
  if (plan.selection !== undefined && journal && summary.failures.length === 0 && !summary.interrupted)
    removeSelection(journalPath);
  const rate = gate.stats();
  if (invocation.json) {
    io.stdout(
      `${JSON.stringify({
        command: command.name,
        bulk: true,
        dry_run: invocation.dryRun,
        ...summaryJson(summary),
        requests: rate.requests,
        throttled: rate.throttled,
        paused_ms: rate.pausedMs,
        ...(journal ? { journal: journalPath } : {}),
      })}\n`,
    );
  } else {
    io.stdout(formatSummary(command, summary, rate, journal ? journalPath : undefined));
  }
  return summary.failures.length > 0 || summary.interrupted ? EXIT.error : EXIT.ok;
}

function summaryJson(summary: BulkSummary): Record<string, unknown> {
  return {
    total: summary.total,
    skipped: summary.skipped,
    done: summary.counts.done,
    unchanged: summary.counts.unchanged,
    planned: summary.counts.planned,
    failed: summary.failures.length,
    rechecked: summary.rechecked,
    interrupted: summary.interrupted,
    elapsed_ms: summary.elapsedMs,
    failures: summary.failures,
  };
}

function formatSummary(
  command: Command,
  summary: BulkSummary,
  rate: ReturnType<RateGate['stats']>,
  journalPath: string | undefined,
): string {
  const { counts } = summary;
  const attempted = counts.done + counts.unchanged + counts.planned + summary.failures.length;
  const seconds = summary.elapsedMs / 1000;
  const lines = [
    `${command.name}: ${summary.total} users: ${counts.done} done, ${counts.unchanged} unchanged, ${counts.planned > 0 ? `${counts.planned} planned (dry run), ` : ''}` +
      `${summary.failures.length} failed${summary.skipped > 0 ? `, ${summary.skipped} skipped (done in an earlier run)` : ''}` +
      `${summary.rechecked > 0 ? `, ${summary.rechecked} rechecked after an interruption` : ''}`,
    `  ${attempted} in ${seconds.toFixed(1)} s (${(attempted / Math.max(seconds, 0.001)).toFixed(1)}/s), ${rate.requests} requests, ` +
      `${rate.throttled} throttled (429), paused ${(rate.pausedMs / 1000).toFixed(1)} s`,
  ];
  if (summary.failures.length > 0) {
    lines.push('failures:');
    for (const failure of summary.failures)
      lines.push(`  line ${failure.line}: ${failure.user}: ${failure.kind}: ${failure.message}`);
  }
  if (summary.interrupted) lines.push('interrupted: not every user was attempted.');
  if (journalPath) {
    lines.push(
      `journal: ${journalPath}${summary.failures.length > 0 || summary.interrupted ? ' (run the same command again to resume: completed users are skipped)' : ''}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function reportError(error: unknown, invocation: Invocation | undefined, io: CliIo): number {
  const code = error instanceof UsageError ? EXIT.usage : EXIT.error;
  const { kind, message } = describeError(error);
  if (invocation?.json) {
    io.stdout(`${JSON.stringify({ command: invocation.command.name, status: 'failed', error: { kind, message } })}\n`);
  } else if (error instanceof UsageError || error instanceof CommandError) {
    io.stderr.write(`error: ${error.message}\n  fix: ${error.fix}\n`);
  } else {
    io.stderr.write(`error: ${message}\n`);
  }
  return code;
}

function synopsis(command: Command): string {
  const args = command.args.map((a) => ` <${a.name}>`).join('');
  const confirm =
    command.name === 'delete' || command.name === 'link'
      ? ` --confirm <${command.name === 'link' ? 'secondary' : 'user'}_id>`
      : '';
  if (command.name === 'export-users')
    return `users ${command.name} --output <file> [--connection <name>] [--format json|csv] [--fields a,b]`;
  if (command.takesUser === false) return `users ${command.name}${args} --connection <name> [--upsert]`;
  return `users ${command.name} <user>${args}${confirm}${command.bulk ? `  |  users ${command.name} --from <file>${args.replace(/</g, '[<').replace(/>/g, '>]')}${command.name === 'delete' ? ' --confirm <number of users>' : ''}` : ''}`;
}

function commandUsage(command: Command): string {
  const args = command.args.map((a) => `  <${a.name}>  ${a.description}\n`).join('');
  const user = command.takesUser === false ? '' : '  <user>  a user id (auth0|...) or an email address\n';
  return (
    `${synopsis(command)}\n\n${command.summary}\n\n${user}${args}` +
    `${command.mutates ? '  --dry-run  check and print what would change; change nothing\n' : ''}`
  );
}

export function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'usage: npm run users -- <command> <user> [arguments] [options]',
    '       npm run users -- <command> --from <file.csv|file.json> [arguments] [options]   (bulk)',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}${c.bulk ? '' : ' [not bulk]'}`),
    '',
    'options:',
    '  --env <name>         the tenant: tenant/environments/<name>.yaml (default sandbox)',
    '  --json               machine-readable result on stdout',
    '  --dry-run            validate and print what would change; change nothing',
    "  --confirm <user_id>  delete: the exact id of the user to erase (bulk: the number of users); link: the secondary's id",
    '  --audit <file>       the audit trail (or USERS_AUDIT_LOG); required for link, delete, and any change outside the sandbox',
    '  --reason <text>      why (a ticket reference, not personal data), recorded in the audit line',
    '  link:   --carry-blocks, --allow-email-mismatch, --allow-unverified       unlink: --restore-metadata',
    '  update: --set <field>=<value>, --unset <field>, --meta <key>=<json>, --unset-meta <key> (repeatable)',
    '  reset-password: --ttl <seconds>, --result-url <https URL>, or --email (Auth0 emails the user the reset link)',
    '  --from <file>        bulk: CSV with a header row (user[,client_id|entitlement]) or a JSON array',
    "  --query <lucene>     bulk: the users a user search selects (at most 1,000: Auth0's search cap); needs --journal",
    '  --journal <file>     bulk: the resume journal (default <file>.<command>.journal)',
    `  --rate <n>           Management API requests per second, at most (default ${DEFAULT_RATE}; 429s slow it down further)`,
    `  --concurrency <n>    bulk: users in flight at once (default ${DEFAULT_CONCURRENCY})`,
    '',
    "credentials: AUTH0_CLIENT_ID + AUTH0_CLIENT_SECRET, or AUTH0_ACCESS_TOKEN; the sandbox's own client by default.",
    'exit codes: 0 ok, 1 error (or some bulk rows failed), 2 usage error.',
    '',
  ].join('\n');
}
