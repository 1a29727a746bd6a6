import {
  buildEvent,
  loadAction,
  runLogin,
  type LoadedAction,
  type LoginOptions,
  type LoginResult,
  type Scenario,
} from '../../local/runtime';

/** An Action from inline CommonJS source, loaded exactly as compiled bundles are. */
export function action(
  name: string,
  execute: string,
  onContinue?: string,
  secrets?: Record<string, string>,
): LoadedAction {
  const code =
    `exports.onExecutePostLogin = async (event, api) => {${execute}};\n` +
    (onContinue === undefined ? '' : `exports.onContinuePostLogin = async (event, api) => {${onContinue}};\n`);
  return loadAction({ name, code, secrets });
}

export function login(
  actions: LoadedAction[],
  scenario: Scenario = {},
  extra: Partial<LoginOptions> = {},
): Promise<LoginResult> {
  return runLogin({ actions, event: buildEvent(scenario), ...extra });
}

export function expectOutcome<O extends LoginResult['outcome']>(
  result: LoginResult,
  outcome: O,
): Extract<LoginResult, { outcome: O }> {
  if (result.outcome !== outcome) {
    throw new Error(
      `expected outcome ${outcome}, got ${result.outcome}${result.outcome === 'denied' ? ` (${result.error}: ${result.reason})` : ''}`,
    );
  }
  return result as Extract<LoginResult, { outcome: O }>;
}
