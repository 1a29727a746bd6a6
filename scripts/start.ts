// npm start [-- --exit]
//
// The main job on the embedded default, on a fresh tenant each time (the sandbox state in .sandbox/
// is reset but for its CA and keys, so every run starts from the same tenant and a browser that
// trusts the CA still does): build and validate, start the sandbox, deploy tenant/tenant.yaml with
// the real auth0-deploy-cli (~45 s), seed a few users, run the main journeys as logins through the
// deployed Actions and the account service's pages (account/, started once the tenant is deployed),
// and print each outcome. Then, on a terminal, keep the sandbox and the service running for
// `npm run login` and a browser (Ctrl-C stops them); with --exit, or without a terminal (CI), exit
// 0 if every journey ended as expected, 1 otherwise.
//
// Environment: SANDBOX_PORT (default 8443), ACCOUNT_PORT (the account service's, default 8444),
// SANDBOX_SMTP_PORT (the sandbox's SMTP ingress, where the service sends its emails; default 2525).
import { DEFAULT_PORT, DEFAULT_SMTP_PORT } from '../local/sandbox';
import { accountPort } from '../tooling/account-service/sandbox';
import { parseSandboxPort, parseSandboxSmtpPort } from '../tooling/sandbox-port';
import { runStart, Stopped } from '../tooling/start';

const USAGE = 'usage: npm start [-- --exit]';

function main(): Promise<number> {
  const args = process.argv.slice(2);
  const unknown = args.filter((arg) => arg !== '--exit');
  if (unknown.length > 0) throw new Error(`unknown argument ${unknown.join(' ')}\n${USAGE}`);
  return runStart({
    exit: args.includes('--exit'),
    port: parseSandboxPort(process.env.SANDBOX_PORT) ?? DEFAULT_PORT,
    accountPort: accountPort(process.env),
    smtpPort: parseSandboxSmtpPort(process.env.SANDBOX_SMTP_PORT) ?? DEFAULT_SMTP_PORT,
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof Stopped) process.exit(130);
    console.error(`npm start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
