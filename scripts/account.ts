// npm run account
// Runs the account service (account/, docs/account.md) against the local sandbox tenant, on
// http://127.0.0.1:8444 (ACCOUNT_PORT), with the consent page secret the sandbox generated.
// Start the sandbox first (npm start). Ctrl-C stops it.
//
// Environment: ACCOUNT_PORT, SANDBOX_PORT (the sandbox's, default 8443); any variable of
// docs/account.md overrides the sandbox's value.
import { ConfigError, readAccountConfig } from '../account/config';
import { sandboxAccountEnv } from '../account/dev/sandbox';
import { startAccountService } from '../account/listen';
import { DEFAULT_PORT, DEFAULT_STATE_DIR, HOST } from '../local/sandbox';
import { parseSandboxPort } from '../tooling/sandbox-port';

async function main(): Promise<void> {
  const domain = `${HOST}:${parseSandboxPort(process.env.SANDBOX_PORT) ?? DEFAULT_PORT}`;
  const config = readAccountConfig(sandboxAccountEnv({ stateDir: DEFAULT_STATE_DIR, domain, env: process.env }));
  await startAccountService(config);
  console.log(
    `account service: http://${config.host}:${config.port}/terms (answers post to ${config.tenantOrigin}/continue)`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError || error instanceof Error ? error.message : error);
  process.exit(1);
});
