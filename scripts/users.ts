import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { EXIT, requestedEnv, runCli } from '../tooling/users/cli';
import { describeError } from '../tooling/users/errors';
import { extraCaCerts } from '../tooling/users/trust';

/**
 * `npm run users -- <command> ...` (see docs/users.md). When the process does not trust the
 * sandbox's CA yet (Node reads NODE_EXTRA_CA_CERTS only at startup), the tool runs itself again
 * in a child process that trusts it as well as the caller's extra CAs (tooling/users/trust.ts).
 */
function main(): void {
  const argv = process.argv.slice(2);
  const ca = extraCaCerts(requestedEnv(argv), process.env);
  if (ca) {
    // The child gets a process group of its own, so a signal reaches it once, through this
    // process: whether it was sent to the terminal's group (Ctrl-C) or to npm / this process
    // alone (kill -INT, a CI runner's SIGTERM). Two deliveries would count as two Ctrl-Cs.
    const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      stdio: 'inherit',
      env: { ...process.env, NODE_EXTRA_CA_CERTS: ca.path },
      detached: true,
    });
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
    child.on('exit', (code, signal) => {
      ca.cleanup();
      process.exit(code ?? 128 + (signal ? constants.signals[signal] : EXIT.error));
    });
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
