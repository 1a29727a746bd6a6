import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { DEFAULT_STATE_DIR, statePaths } from '../../local/sandbox';
import { IssueError } from '../issues';
import { parseSandboxPort, PortError } from '../sandbox-port';
import { projectPaths, type ProjectPaths } from '../paths';
import { resolveEnvironment, type EnvVars } from '../tenant/environments';
import type { Credentials } from './client';
import { UsageError } from './errors';

/**
 * Which tenant a run talks to, and as whom. The domain comes from the environment file
 * (`--env`, default sandbox); credentials only from the process environment, or, for the
 * sandbox, from the bootstrap client the sandbox writes into its state folder.
 */
export interface Target {
  env: string;
  domain: string;
  /** Where the domain came from, for the "targeting" line. */
  domainSource: string;
  credentials: Credentials;
  /** Names the source, never the value. */
  credentialSource: string;
}

const LOOPBACK = /^(127\.0\.0\.1|localhost|\[::1\]):\d{1,5}$/;

export function resolveTarget(env: string, vars: EnvVars, paths: ProjectPaths = projectPaths()): Target {
  let fileDomain: string;
  let file: string;
  try {
    const resolved = resolveEnvironment(paths, env, {});
    fileDomain = resolved.auth0Domain;
    file = relative(paths.root, resolved.file);
  } catch (error) {
    if (error instanceof IssueError && error.issues[0])
      throw new UsageError(`--env ${env}: ${error.issues[0].problem}`, error.issues[0].fix);
    throw error;
  }
  const sandbox = env === 'sandbox';
  let domain = fileDomain;
  let domainSource = file;
  // `SANDBOX_PORT=9443 npm run sandbox` moves the sandbox; follow it as the deploy scripts do.
  const port = sandbox ? sandboxPortOf(vars) : undefined;
  if (port !== undefined) {
    domain = `${fileDomain.split(':')[0] ?? '127.0.0.1'}:${port}`;
    domainSource = `SANDBOX_PORT, overriding ${file}`;
  }
  const override = vars.AUTH0_DOMAIN?.trim();
  if (override && override !== domain) {
    // The sandbox runs on whatever port was free (tests, SANDBOX_PORT): a loopback override is
    // how a run finds it. Any other mismatch is a targeting mistake waiting to happen.
    if (!sandbox || !LOOPBACK.test(override)) {
      throw new UsageError(
        `AUTH0_DOMAIN is ${override} but --env ${env} targets ${fileDomain}`,
        `unset AUTH0_DOMAIN, or choose the --env whose file names ${override}`,
      );
    }
    domain = override;
    domainSource = `AUTH0_DOMAIN, overriding ${file}`;
  }
  const state = statePaths(vars.SANDBOX_STATE_DIR ?? DEFAULT_STATE_DIR);
  return { env, domain, domainSource, ...credentialsFrom(vars, sandbox ? state.deployClient : undefined, paths) };
}

function sandboxPortOf(vars: EnvVars): number | undefined {
  try {
    return parseSandboxPort(vars.SANDBOX_PORT);
  } catch (error) {
    if (error instanceof PortError)
      throw new UsageError(error.message, 'set it to the port npm run sandbox listens on');
    throw error;
  }
}

/** The CA certificate in the sandbox's state folder, which a run against it must trust; undefined before the sandbox first started. */
export function sandboxCaPath(vars: EnvVars): string | undefined {
  const caCert = statePaths(vars.SANDBOX_STATE_DIR ?? DEFAULT_STATE_DIR).caCert;
  return existsSync(caCert) ? caCert : undefined;
}

function credentialsFrom(
  vars: EnvVars,
  sandboxCredentials: string | undefined,
  paths: ProjectPaths,
): Pick<Target, 'credentials' | 'credentialSource'> {
  const token = vars.AUTH0_ACCESS_TOKEN?.trim();
  if (token) return { credentials: { accessToken: token }, credentialSource: 'AUTH0_ACCESS_TOKEN' };
  const clientId = vars.AUTH0_CLIENT_ID?.trim();
  const clientSecret = vars.AUTH0_CLIENT_SECRET?.trim();
  if (clientId && clientSecret) {
    return {
      credentials: { clientId, clientSecret },
      credentialSource: `client ${clientId} (AUTH0_CLIENT_ID/AUTH0_CLIENT_SECRET)`,
    };
  }
  if (clientId || clientSecret) {
    throw new UsageError(
      `only ${clientId ? 'AUTH0_CLIENT_ID' : 'AUTH0_CLIENT_SECRET'} is set`,
      'set both AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET (or AUTH0_ACCESS_TOKEN)',
    );
  }
  if (sandboxCredentials && existsSync(sandboxCredentials)) {
    const parsed: unknown = JSON.parse(readFileSync(sandboxCredentials, 'utf8'));
    const record = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
    if (typeof record.client_id === 'string' && typeof record.client_secret === 'string') {
      return {
        credentials: { clientId: record.client_id, clientSecret: record.client_secret },
        credentialSource: `client ${record.client_id} (sandbox bootstrap, ${displayPath(paths, sandboxCredentials)})`,
      };
    }
  }
  throw new UsageError(
    'no Management API credentials',
    sandboxCredentials
      ? 'start the sandbox first (npm run sandbox writes its bootstrap client), or set AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET'
      : 'set AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET (a machine-to-machine client of this tenant), or AUTH0_ACCESS_TOKEN',
  );
}

/** Inside the repository, relative to it; elsewhere, as is. */
function displayPath(paths: ProjectPaths, file: string): string {
  const inside = relative(paths.root, file);
  return inside.startsWith('..') ? file : inside;
}
