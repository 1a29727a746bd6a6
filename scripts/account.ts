// npm run account
// Runs the account service (account/, docs/account.md) against the local sandbox tenant already
// running (npm start or npm run sandbox, with tenant.yaml deployed), on http://127.0.0.1:8444
// (ACCOUNT_PORT), configured from the sandbox as npm start does it. Ctrl-C stops it.
//
// Environment: ACCOUNT_PORT, SANDBOX_PORT (the sandbox's, default 8443), SANDBOX_SMTP_PORT (its SMTP
// ingress, where the service's emails go; default 2525); any variable of
// docs/account.md overrides the sandbox's value.
import { ConfigError } from '../account';
import { DEFAULT_PORT, DEFAULT_SMTP_PORT, DEFAULT_STATE_DIR, HOST, sandboxTarget } from '../local/sandbox';
import { accountPort, startSandboxAccountService } from '../tooling/account-service/sandbox';
import { parseSandboxPort, parseSandboxSmtpPort } from '../tooling/sandbox-port';

async function main(): Promise<void> {
  const sandboxPort = parseSandboxPort(process.env.SANDBOX_PORT) ?? DEFAULT_PORT;
  const smtpPort = parseSandboxSmtpPort(process.env.SANDBOX_SMTP_PORT) ?? DEFAULT_SMTP_PORT;
  const service = await startSandboxAccountService({
    sandbox: {
      ...sandboxTarget(DEFAULT_STATE_DIR, sandboxPort),
      stateDir: DEFAULT_STATE_DIR,
      smtpUrl: `smtp://${HOST}:${smtpPort}`,
    },
    port: accountPort(process.env),
    overrides: process.env,
    logger: true,
  });
  console.log(
    `account service: ${service.url}/profile, and the Actions' pages ${service.url}/link and ${service.url}/terms (answers post to https://${HOST}:${sandboxPort}/continue)`,
  );
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      service.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError || error instanceof Error ? error.message : error);
  process.exit(1);
});
