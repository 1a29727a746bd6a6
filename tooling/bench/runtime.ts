import type { API } from '../../actions/platform/post-login';
import { buildEvent, loadAction, runLogin } from '../../local/runtime';
import { sample, table, us } from './stats';

/**
 * The runtime's own cost per Action execution: a login through N no-op Actions on the runtime,
 * against the same handlers called directly with a bare stub api. The difference is what the
 * runtime adds (event copies, api construction, budget timer), so Action figures measure Actions.
 */
export async function benchRuntime(): Promise<void> {
  const event = buildEvent({ seed: 1 });
  const rows: Record<string, string>[] = [];
  for (const count of [1, 4]) {
    const actions = Array.from({ length: count }, (_, i) =>
      loadAction({
        name: `noop-${i}`,
        code: 'exports.onExecutePostLogin = async (event, api) => { api.idToken.setCustomClaim("n", event.user.user_id.length); };',
      }),
    );
    const stub = { idToken: { setCustomClaim: () => stub } } as unknown as API;
    const direct = await sample(async () => {
      for (const a of actions) await a.onExecutePostLogin(event, stub);
    }, 5000);
    const runtime = await sample(() => runLogin({ actions, event }), 5000);
    rows.push({
      actions: String(count),
      'direct p50': us(direct.p50),
      'runtime p50': us(runtime.p50),
      'runtime p99': us(runtime.p99),
      'overhead per Action (p50)': us((runtime.p50 - direct.p50) / count),
    });
  }
  console.log('\n## Runtime overhead (no-op Actions, 5000 logins each)\n');
  console.log(table(rows));
}
