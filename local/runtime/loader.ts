import { AsyncLocalStorage } from 'node:async_hooks';
import { readFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { join } from 'node:path';
import { Script } from 'node:vm';
import type { OnContinuePostLogin, OnExecutePostLogin } from '../../actions/platform/post-login';
import { LIMITS } from '../../actions/platform/limits';

/**
 * Loads an Action from its compiled JavaScript the way Auth0 does: a CommonJS module whose
 * handlers are real async functions, with `require` limited to Node built-ins and the Action's
 * declared dependencies, and its secrets checked against Auth0's limits.
 */

export interface Dependency {
  name: string;
  version: string;
}

export interface LoadOptions {
  name: string;
  code: string;
  secrets?: Record<string, string>;
  dependencies?: Dependency[];
  /** What the Action sees as the global `fetch` (tests and the sandbox inject their own). */
  fetch?: typeof fetch;
}

/** The Action's `console`: lines go to the execution that is running, not to the process. */
export type ActionConsole = Pick<Console, 'log' | 'info' | 'warn' | 'error' | 'debug'>;

export interface LoadedAction {
  name: string;
  codeBytes: number;
  secrets: Readonly<Record<string, string>>;
  onExecutePostLogin: OnExecutePostLogin;
  onContinuePostLogin?: OnContinuePostLogin;
}

/**
 * The execution running in this async context: where the Action's console output goes and what
 * its clock says. An Action instance is shared by concurrent logins, so neither can be
 * module-level; the clock lets tests move time for the Action's `Date` like for the runtime's.
 */
export interface ExecutionScope {
  log(line: string): void;
  now(): number;
}
export const executionScope = new AsyncLocalStorage<ExecutionScope>();

const clock = (): number => executionScope.getStore()?.now() ?? Date.now();

/** `Date` as the Action sees it: `new Date()` and `Date.now()` follow the execution's clock. */
class ActionDate extends Date {
  constructor(...args: unknown[]) {
    if (args.length === 0) super(clock());
    else super(...(args as [string]));
  }

  static override now(): number {
    return clock();
  }
}

export class ActionLoadError extends Error {
  constructor(
    readonly action: string,
    message: string,
  ) {
    super(`Action "${action}": ${message}`);
    this.name = 'ActionLoadError';
  }
}

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const projectRequire = createRequire(join(__dirname, '..', '..', 'package.json'));

function checkSecrets(action: string, secrets: Record<string, string>): void {
  const names = Object.keys(secrets);
  if (names.length > LIMITS.secretsPerAction)
    throw new ActionLoadError(action, `${names.length} secrets, Auth0 allows ${LIMITS.secretsPerAction}`);
  for (const name of names) {
    if (name.length === 0 || name.length > LIMITS.secretNameChars)
      throw new ActionLoadError(
        action,
        `secret name "${name.slice(0, 40)}" must be 1 to ${LIMITS.secretNameChars} characters`,
      );
    const value = secrets[name];
    if (typeof value !== 'string') throw new ActionLoadError(action, `secret ${name} must be a string`);
    if (value.length > LIMITS.secretValueChars)
      throw new ActionLoadError(action, `secret ${name} is longer than ${LIMITS.secretValueChars} characters`);
  }
}

function resolveDependency(action: string, dep: Dependency): unknown {
  let pkg: { version?: string };
  try {
    pkg = projectRequire(`${dep.name}/package.json`) as { version?: string };
  } catch {
    throw new ActionLoadError(action, `dependency ${dep.name}@${dep.version} is not installed`);
  }
  if (pkg.version !== dep.version)
    throw new ActionLoadError(
      action,
      `dependency ${dep.name} is declared at ${dep.version} but ${pkg.version ?? 'unknown'} is installed`,
    );
  return projectRequire(dep.name);
}

const isAsyncFunction = (fn: unknown): boolean => typeof fn === 'function' && fn.constructor.name === 'AsyncFunction';

export function loadAction(options: LoadOptions): LoadedAction {
  const { name, code } = options;
  const codeBytes = Buffer.byteLength(code, 'utf8');
  if (codeBytes > LIMITS.codeSizeBytes)
    throw new ActionLoadError(name, `code is ${codeBytes} bytes, over Auth0's ${LIMITS.codeSizeBytes}-byte limit`);
  const secrets = Object.freeze({ ...options.secrets });
  checkSecrets(name, secrets);
  const dependencies = options.dependencies ?? [];
  if (dependencies.length > LIMITS.dependenciesPerAction)
    throw new ActionLoadError(
      name,
      `${dependencies.length} dependencies, Auth0 allows ${LIMITS.dependenciesPerAction}`,
    );
  const declared = new Map(dependencies.map((d) => [d.name, d]));
  const loaded = new Map<string, unknown>();

  const actionRequire = (id: string): unknown => {
    if (BUILTINS.has(id)) return projectRequire(id);
    const dep = declared.get(id);
    if (!dep) throw new Error(`Cannot find module '${id}': it is not a declared dependency of Action "${name}"`);
    if (!loaded.has(id)) loaded.set(id, resolveDependency(name, dep));
    return loaded.get(id);
  };

  const write = (...args: unknown[]): void =>
    executionScope.getStore()?.log(args.map((a) => (typeof a === 'string' ? a : safeInspect(a))).join(' '));
  const actionConsole: ActionConsole = { log: write, info: write, warn: write, error: write, debug: write };

  const module = { exports: {} as Record<string, unknown> };
  const wrapper = `(function (exports, require, module, __filename, __dirname, fetch, console, Date) {${code}\n})`;
  let factory: (...args: unknown[]) => void;
  try {
    factory = new Script(wrapper, { filename: `${name}.js` }).runInThisContext() as typeof factory;
  } catch (error) {
    throw new ActionLoadError(name, `code does not compile: ${(error as Error).message}`);
  }
  // Module-level code runs once per instance and is reused across executions, as on node22.
  try {
    factory(
      module.exports,
      actionRequire,
      module,
      `/${name}.js`,
      '/',
      options.fetch ?? globalThis.fetch,
      actionConsole,
      ActionDate,
    );
  } catch (error) {
    throw new ActionLoadError(name, `module code threw: ${(error as Error).message}`);
  }

  const exported = module.exports;
  if (!isAsyncFunction(exported['onExecutePostLogin']))
    throw new ActionLoadError(name, 'Invalid function signature: exports.onExecutePostLogin must be an async function');
  const onContinue = exported['onContinuePostLogin'];
  if (onContinue !== undefined && !isAsyncFunction(onContinue))
    throw new ActionLoadError(
      name,
      'Invalid function signature: exports.onContinuePostLogin must be an async function',
    );

  return {
    name,
    codeBytes,
    secrets,
    onExecutePostLogin: exported['onExecutePostLogin'] as OnExecutePostLogin,
    onContinuePostLogin: onContinue as OnContinuePostLogin | undefined,
  };
}

export function loadActionFile(path: string, options: Omit<LoadOptions, 'code'>): LoadedAction {
  return loadAction({ ...options, code: readFileSync(path, 'utf8') });
}

function safeInspect(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
