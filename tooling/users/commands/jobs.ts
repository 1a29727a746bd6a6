import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import type { JobState } from '../client';
import { CommandError, UsageError } from '../errors';
import type { Command, RunContext } from './types';

/**
 * export-users, import-users: the whole tenant (or one connection) through Auth0's bulk jobs,
 * beyond the 1,000 users a search reaches (https://auth0.com/docs/manage-users/user-migration).
 * Each starts a job, shows its progress on stderr until it completes, then fetches the result.
 */
const POLL_MS = 2000;
const MAX_WAIT_MS = 2 * 60 * 60 * 1000;
/** Auth0's limit on one import file. */
export const IMPORT_FILE_LIMIT = 500 * 1024;

async function connectionIdOf(ctx: RunContext, name: string | undefined): Promise<string | undefined> {
  if (name === undefined) return undefined;
  const id = await ctx.api.connectionId(name);
  if (id === undefined)
    throw new CommandError(
      'invalid_state',
      `no connection named ${name}`,
      'check the name (Authentication → Database / Social)',
    );
  return id;
}

async function waitForJob(ctx: RunContext, jobId: string): Promise<JobState> {
  const started = Date.now();
  for (;;) {
    const state = await ctx.api.job(jobId);
    ctx.note(
      `job ${jobId}: ${state.status}${state.percentageDone === undefined ? '' : `, ${state.percentageDone}%`}` +
        `${state.timeLeftSeconds ? `, about ${state.timeLeftSeconds}s left` : ''}\n`,
    );
    if (state.status === 'completed') return state;
    if (state.status === 'failed')
      throw new CommandError('api_error', `job ${jobId} failed`, 'see the tenant logs; run again');
    if (Date.now() - started > MAX_WAIT_MS)
      throw new CommandError(
        'api_unavailable',
        `job ${jobId} is still ${state.status} after 2 hours`,
        `check it later: GET /api/v2/jobs/${jobId}`,
      );
    await sleep(POLL_MS);
  }
}

export const exportUsers: Command = {
  name: 'export-users',
  summary:
    "export every user (or one --connection's) to --output through a users export job (beyond the search's 1,000)",
  args: [],
  takesUser: false,
  mutates: false,
  bulk: false,
  run: async (ctx) => {
    const { output, connection, format, fields } = ctx.options;
    if (output === undefined) throw new UsageError('export-users needs --output <file>', 'e.g. --output users.ndjson');
    if (existsSync(output))
      throw new UsageError(`${output} exists`, 'name a new file: an existing one is never overwritten');
    const connectionId = await connectionIdOf(ctx, connection);
    const { jobId } = await ctx.api.startUsersExport({
      format,
      ...(connectionId === undefined ? {} : { connection_id: connectionId }),
      ...(fields.length === 0 ? {} : { fields: fields.map((name) => ({ name })) }),
    });
    const { location } = await waitForJob(ctx, jobId);
    const url = location === undefined ? undefined : new URL(location);
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'data:')) {
      throw new CommandError('api_error', `export job ${jobId} completed without a download location`, 'run again');
    }
    const response = await fetch(url);
    if (!response.ok)
      throw new CommandError(
        'api_unavailable',
        `downloading the export of job ${jobId} failed (${response.status})`,
        'the link expires: run again',
      );
    const text = gunzipSync(Buffer.from(await response.arrayBuffer()));
    try {
      writeFileSync(output, text, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      throw new UsageError(
        `cannot write ${output}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
        'name a new file: an existing one is never overwritten',
      );
    }
    const lines = text
      .toString('utf8')
      .split('\n')
      .filter((line) => line.trim() !== '').length;
    const records = format === 'csv' ? Math.max(0, lines - 1) : lines;
    return {
      status: 'done',
      userId: '',
      message: `exported ${records} users (${format}) to ${output} (job ${jobId})`,
      data: { job_id: jobId, records, output, format },
      audit: { job_id: jobId, records, format, ...(connection === undefined ? {} : { connection }) },
    };
  },
};

export const importUsers: Command = {
  name: 'import-users',
  summary:
    'import a JSON array of users into a --connection through a users import job (--upsert updates existing ones)',
  args: [
    {
      name: 'file',
      description: "a JSON array of users (Auth0's bulk import schema), at most 500 KB",
      parse: (value) => {
        if (!existsSync(value) || !statSync(value).isFile())
          throw new UsageError('the users file does not exist', 'give the path of a JSON file');
        if (statSync(value).size > IMPORT_FILE_LIMIT)
          throw new UsageError(
            `the users file is over Auth0's ${IMPORT_FILE_LIMIT / 1024} KB limit`,
            'split it into several files',
          );
        let parsed: unknown;
        try {
          parsed = JSON.parse(readFileSync(value, 'utf8'));
        } catch {
          throw new UsageError('the users file is not JSON', 'give a JSON array of users');
        }
        if (!Array.isArray(parsed) || parsed.length === 0)
          throw new UsageError('the users file is not a non-empty JSON array', 'give a JSON array of users');
        return value;
      },
    },
  ],
  takesUser: false,
  mutates: true,
  bulk: false,
  run: async (ctx, item) => {
    const { connection } = ctx.options;
    if (connection === undefined)
      throw new UsageError('import-users needs --connection <name>', 'the database connection the users go into');
    const file = readFileSync(item.args.file ?? '');
    const users = (JSON.parse(file.toString('utf8')) as unknown[]).length;
    const connectionId = (await connectionIdOf(ctx, connection)) as string;
    if (ctx.dryRun)
      return {
        status: 'planned',
        userId: '',
        message: `would import ${users} users into ${connection}${ctx.options.upsert ? ' (updating existing ones)' : ''}`,
      };
    const { jobId } = await ctx.api.startUsersImport(file, connectionId, ctx.options.upsert);
    const { summary } = await waitForJob(ctx, jobId);
    const errors = summary && summary.failed > 0 ? await ctx.api.jobErrors(jobId) : [];
    const counts = summary ?? { inserted: 0, updated: 0, failed: 0, total: users };
    return {
      status: 'done',
      userId: '',
      message:
        `imported into ${connection} (job ${jobId}): ${counts.inserted} inserted, ${counts.updated} updated, ${counts.failed} failed of ${counts.total}` +
        `${errors.length > 0 ? `\nfailures (GET /api/v2/jobs/${jobId}/errors):\n${errors.map((error) => `  ${JSON.stringify(error)}`).join('\n')}` : ''}`,
      data: { job_id: jobId, ...counts, errors },
      audit: { job_id: jobId, connection, ...counts },
    };
  },
};
