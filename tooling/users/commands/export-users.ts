import { existsSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import { CommandError, UsageError } from '../errors';
import type { Command } from './types';

/**
 * export-users: every user of the tenant (or of one connection) through a users export job, for
 * exports beyond the 1,000 users a search reaches
 * (https://auth0.com/docs/manage-users/user-migration/bulk-user-exports). Starts the job, shows
 * its progress, downloads the file and writes it unzipped (NDJSON or CSV, mode 0600, never over an
 * existing file).
 */
const POLL_MS = 2000;
const MAX_WAIT_MS = 2 * 60 * 60 * 1000;

export const exportUsers: Command = {
  name: 'export-users',
  summary: 'export every user (or one --connection\'s) to --output through a users export job (beyond the search\'s 1,000)',
  args: [],
  takesUser: false,
  mutates: false,
  bulk: false,
  run: async (ctx) => {
    const { output, connection, format, fields } = ctx.options;
    if (output === undefined) throw new UsageError('export-users needs --output <file>', 'e.g. --output users.ndjson');
    if (existsSync(output)) throw new UsageError(`${output} exists`, 'name a new file: an existing one is never overwritten');
    let connectionId: string | undefined;
    if (connection !== undefined) {
      connectionId = await ctx.api.connectionId(connection);
      if (connectionId === undefined) throw new CommandError('invalid_state', `no connection named ${connection}`, 'check the name (Authentication → Database / Social)');
    }
    const { jobId } = await ctx.api.startUsersExport({
      format,
      ...(connectionId === undefined ? {} : { connection_id: connectionId }),
      ...(fields.length === 0 ? {} : { fields: fields.map((name) => ({ name })) }),
    });
    const started = Date.now();
    let location: string | undefined;
    for (;;) {
      const state = await ctx.api.job(jobId);
      ctx.note(`job ${jobId}: ${state.status}${state.percentageDone === undefined ? '' : `, ${state.percentageDone}%`}` +
        `${state.timeLeftSeconds ? `, about ${state.timeLeftSeconds}s left` : ''}\n`);
      if (state.status === 'completed') {
        location = state.location;
        break;
      }
      if (state.status === 'failed') throw new CommandError('api_error', `export job ${jobId} failed`, 'see the tenant logs; run again');
      if (Date.now() - started > MAX_WAIT_MS) throw new CommandError('api_unavailable', `export job ${jobId} is still ${state.status} after 2 hours`, `check it later: GET /api/v2/jobs/${jobId}`);
      await sleep(POLL_MS);
    }
    const url = location === undefined ? undefined : new URL(location);
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'data:')) {
      throw new CommandError('api_error', `export job ${jobId} completed without a download location`, 'run again');
    }
    const response = await fetch(url);
    if (!response.ok) throw new CommandError('api_unavailable', `downloading the export of job ${jobId} failed (${response.status})`, 'the link expires: run again');
    const text = gunzipSync(Buffer.from(await response.arrayBuffer()));
    try {
      writeFileSync(output, text, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      throw new UsageError(`cannot write ${output}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, 'name a new file: an existing one is never overwritten');
    }
    const lines = text.toString('utf8').split('\n').filter((line) => line.trim() !== '').length;
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
