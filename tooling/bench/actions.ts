import { statSync } from 'node:fs';
import { createCacheStore, runLogin, type LoadedAction } from '../../local/runtime';
import { ACTION_NAMES, bundlePath, event, loadPipeline } from '../harness';
import { createJourneyContext, JOURNEYS, WEB_CLIENT_ID } from '../harness';
import { createFakeManagementApi, fakeUserFrom } from '../harness';
import { kb, percentiles, table, us } from './stats';

const RUNS = 5000;

/** Wraps a loaded Action so each handler call records its own duration, inside a real runLogin. */
function timed(action: LoadedAction, samples: number[]): LoadedAction {
  const inner = action.onExecutePostLogin;
  return {
    ...action,
    async onExecutePostLogin(event, api) {
      const start = process.hrtime.bigint();
      await inner(event, api);
      samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    },
  };
}

/**
 * Per Action: bundle size against Auth0's 100 kB, and steady-state execution time of the compiled
 * bundle for a returning user with everything accepted (the login every user makes every day).
 * Then the Management API calls each main journey makes.
 */
export async function benchActions(): Promise<void> {
  const mgmt = createFakeManagementApi();
  const actions = loadPipeline(mgmt.fetch);
  const ev = event(
    { user: 'database', seed: 22 },
    {
      client: { client_id: WEB_CLIENT_ID },
      user: {
        app_metadata: {
          terms: { version: '2026-01', accepted_at: new Date().toISOString() },
          account_linking: { status: 'no_candidates', checked_at: new Date().toISOString() },
        },
        user_metadata: { given_name: 'Augusta', picture: 'https://cdn.example.com/a.png', preferred_language: 'en-GB' },
      },
    },
  );
  mgmt.reset([fakeUserFrom(ev.user)]);
  const cache = createCacheStore();
  const rows: Record<string, string>[] = [];
  for (const [index, name] of ACTION_NAMES.entries()) {
    const samples: number[] = [];
    const action = timed(actions[index] as LoadedAction, samples);
    for (let i = 0; i < RUNS + 200; i++) await runLogin({ actions: [action], event: ev, cache });
    const stats = percentiles(samples.slice(200));
    const size = statSync(bundlePath(name)).size;
    rows.push({
      action: name,
      bundle: kb(size),
      'of 100 kB': `${((size / (100 * 1024)) * 100).toFixed(1)}%`,
      p50: us(stats.p50),
      p99: us(stats.p99),
    });
  }
  console.log(
    `\n## Actions: bundle size and steady-state execution (returning user, ${RUNS} runs each, compiled bundle)\n`,
  );
  console.log(table(rows));

  const journeyRows: Record<string, string>[] = [];
  for (const journey of JOURNEYS) {
    const context = createJourneyContext();
    const run = await journey.run(context);
    journeyRows.push({
      journey: journey.name,
      outcome: run.result.outcome,
      pages: run.pages.join(' → ') || '-',
      'Management API calls': String(run.managementCalls),
    });
  }
  console.log('\n## Management API calls per login, by journey (cold api.cache)\n');
  console.log(table(journeyRows));
}
