import { existsSync, readFileSync } from 'node:fs';
import type { EnvVars } from '../tenant';
import { httpsTransport, ManagementApi, type Credentials, type Transport } from '../plan/management-api';

/**
 * The tenant a command talks to and the credentials it uses. In CI: AUTH0_DOMAIN, AUTH0_CLIENT_ID
 * and AUTH0_CLIENT_SECRET from the environment's secret store; locally for `--env sandbox`: the
 * running sandbox's state folder.
 */
export interface Target extends Credentials {
  /** A local CA to trust (the sandbox's); undefined: the system's roots. */
  caPath?: string;
  /**
   * The deploy client when it is not the one authenticating (CI plans read with a read-only
   * client): AUTH0_DEPLOY_CLIENT_ID. It carries the fingerprint ledger and is never drift.
   */
  deployClientId?: string;
}

/** The deploy client's id: the configured one, else the client authenticating (a deploy's own). */
export function deployClientIdOf(target: Target): string {
  return target.deployClientId ?? target.clientId;
}

export class TargetError extends Error {
  override name = 'TargetError';
}

export function targetFromVars(vars: EnvVars): Target {
  const missing = ['AUTH0_DOMAIN', 'AUTH0_CLIENT_ID', 'AUTH0_CLIENT_SECRET'].filter((name) => !vars[name]);
  if (missing.length > 0)
    throw new TargetError(
      `set ${missing.join(', ')} (the target tenant and the credentials of its deploy client; see docs/deploy.md)`,
    );
  const deployClientId = vars.AUTH0_DEPLOY_CLIENT_ID || undefined;
  return {
    domain: String(vars.AUTH0_DOMAIN),
    clientId: String(vars.AUTH0_CLIENT_ID),
    clientSecret: String(vars.AUTH0_CLIENT_SECRET),
    ...(deployClientId === undefined ? {} : { deployClientId }),
  };
}

/** A Management API client for the target; `transport` is injectable so tests can watch requests. */
export function managementApi(target: Target, transport?: Transport): ManagementApi {
  if (target.caPath !== undefined && !existsSync(target.caPath))
    throw new TargetError(`the CA certificate ${target.caPath} does not exist`);
  const ca = target.caPath === undefined ? undefined : readFileSync(target.caPath);
  return new ManagementApi(target, transport ?? httpsTransport(target.domain, ca));
}
