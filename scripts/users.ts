import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { runCli, EXIT } from '../tooling/users/cli';
import { resolveTarget } from '../tooling/users/target';
import { describeError } from '../tooling/users/errors';

/**
 * `npm run users -- <command> ...` (see docs/users.md). The sandbox serves HTTPS with its own CA;
 * Node reads NODE_EXTRA_CA_CERTS only at startup, so unless it already names that CA the tool
 * runs itself again in a child process that trusts it. TLS verification is never turned off.
 */
function sandboxCa(argv: readonly string[]): string | undefined {
  const envIndex = argv.findIndex((arg) => arg === '--env' || arg.startsWith('--env='));
  const env = envIndex < 0 ? 'sandbox' : argv[envIndex]?.includes('=') ? argv[envIndex]?.split('=')[1] : argv[envIndex + 1];
  if (env !== 'sandbox') return undefined;
  try {
    const ca = resolveTarget('sandbox', process.env).caPath;
    // Any other extra CA is irrelevant to a loopback sandbox; this also stops the recursion.
    return ca === process.env.NODE_EXTRA_CA_CERTS ? undefined : ca;
  } catch {
    // The real run reports the problem.
    return undefined;
  }
}

function main(): void {
  const argv = process.argv.slice(2);
  const ca = sandboxCa(argv);
  if (ca) {
    const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      stdio: 'inherit',
      env: { ...process.env, NODE_EXTRA_CA_CERTS: ca },
    });
    // Ctrl-C reaches the child through the terminal's process group and the child handles it;
    // forwarding it too would count as a second Ctrl-C (stop at once).
    process.on('SIGINT', () => undefined);
    process.on('SIGTERM', () => child.kill('SIGTERM'));
    child.on('exit', (code, signal) => process.exit(code ?? 128 + (signal ? constants.signals[signal] : EXIT.error)));
    return;
  }
  runCli(argv, {
    stdout: (text) => process.stdout.write(text),
    stderr: { write: (text) => process.stderr.write(text), isTTY: process.stderr.isTTY === true },
    env: process.env,
    onInterrupt: (handler) => {
      const signals = ['SIGINT', 'SIGTERM'] as const;
      let count = 0;
      const listener = (): void => {
        count += 1;
        // A second Ctrl-C means now: the journal is on disk, a resume rechecks what was in flight.
        if (count > 1) process.exit(130);
        handler();
      };
      for (const signal of signals) process.on(signal, listener);
      return () => {
        for (const signal of signals) process.off(signal, listener);
      };
    },
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`error: ${describeError(error).message}\n`);
      process.exitCode = EXIT.error;
    },
  );
}

main();
