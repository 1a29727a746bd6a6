// npm run sandbox [-- --reset]
// Starts the local sandbox tenant in the foreground: the Auth0 Management API (and /oauth/token)
// over HTTPS on 127.0.0.1, state in .sandbox/. Ctrl-C stops it cleanly.
//
// Environment:
//   SANDBOX_PORT    port to listen on (default 8443)
//   SANDBOX_SMTP_PORT  its SMTP ingress into the outbox, on 127.0.0.1 (default 2525)
//   SANDBOX_FAULTS  JSON array of fault rules, e.g. [{"path":"/api/v2/clients/*","method":"PATCH","status":429,"retryAfter":1}]
import {
  DEFAULT_PORT,
  DEFAULT_SMTP_PORT,
  formatRequestLogEntry,
  parseFaultRules,
  startSandbox,
} from '../../local/sandbox';
import { parseSandboxPort, parseSandboxSmtpPort } from '../sandbox-port';

const USAGE = 'usage: npm run sandbox [-- --reset]';

async function run(args: string[]): Promise<void> {
  const unknown = args.filter((arg) => arg !== '--reset');
  if (unknown.length > 0) throw new Error(`unknown argument ${unknown.join(' ')}\n${USAGE}`);
  const reset = args.includes('--reset');
  const faults = process.env.SANDBOX_FAULTS ? parseFaultRules(process.env.SANDBOX_FAULTS) : [];

  const sandbox = await startSandbox({
    port: parseSandboxPort(process.env.SANDBOX_PORT) ?? DEFAULT_PORT,
    smtpPort: parseSandboxSmtpPort(process.env.SANDBOX_SMTP_PORT) ?? DEFAULT_SMTP_PORT,
    reset,
    faults,
    log: (entry) => console.log(`${new Date().toISOString()} ${formatRequestLogEntry(entry)}`),
  });
  console.log(
    [
      `Auth0 sandbox tenant on ${sandbox.url}${reset ? ' (state reset)' : ''}`,
      `  AUTH0_DOMAIN             ${sandbox.domain}`,
      `  Management API audience  ${sandbox.managementAudience}`,
      `  Deploy client            ${sandbox.deployClient.client_id} (id and secret in ${sandbox.deployClient.credentialsPath})`,
      `  CA certificate           ${sandbox.caPath} (trust it with NODE_EXTRA_CA_CERTS)`,
      `  SMTP ingress             ${sandbox.smtpUrl} (into the outbox)`,
      `  State folder             ${sandbox.stateDir}`,
      ...(faults.length > 0 ? [`  Fault rules              ${faults.length} from SANDBOX_FAULTS`] : []),
      'Ctrl-C to stop.',
    ].join('\n'),
  );

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      console.error(`${signal} again: exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    console.log(`${signal}: stopping the sandbox`);
    sandbox.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/** `npm run sandbox`: runs until Ctrl-C. */
export function main(argv: string[]): void {
  run(argv).catch((error: unknown) => {
    console.error(`sandbox: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
