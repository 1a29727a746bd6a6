// npm run login -- --client <name|id> --connection <name> [--flow interactive|refresh-token|prompt-none|password]
//                   [--user <email|user id>] [--password <password>] [--google-profile '<json>'] [--ip <address>] [--json]
//
// One login through the Actions deployed in the running sandbox (npm start, or npm run sandbox
// plus a deploy), over its HTTPS API (trusting the CA in .sandbox/, as the deploy client whose
// credentials are there). Prints the outcome: the ID token's claims, the denial and its reason, or
// the redirect URL to open in a browser to go on through the Actions' pages (the account service).
//
// Database connections: --user is the email; without --password the password is asked for
// (hidden) on a terminal, or read from the first line of stdin. Social connections: --google-profile
// is what Google returned ({"sub", "email", "email_verified", "name", "picture"}). Refresh-token and
// prompt-none logins: --user names the existing user.
//
// Exit codes: 0 allowed, 3 denied, 4 redirect (continue in a browser), 1 usage or sandbox error.
// Environment: SANDBOX_PORT (default 8443).
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import {
  actionsRun,
  claimsTable,
  DEFAULT_PORT,
  DEFAULT_STATE_DIR,
  LOGIN_FLOWS,
  outcomeHeadline,
  pageOf,
  readDeployClient,
  SandboxClient,
  sandboxTarget,
  sessionTokenPayload,
  type LoginFlow,
  type LoginRequest,
  type LoginResponse,
  type SocialProfile,
} from '../../local/sandbox';
import { REPO_ROOT } from '../paths';
import { parseSandboxPort } from '../sandbox-port';

const USAGE = `usage: npm run login -- --client <name|id> --connection <name> [--flow ${LOGIN_FLOWS.join('|')}]
                        [--user <email|user id>] [--password <password>] [--google-profile '<json>'] [--ip <address>] [--json]`;

const EXIT = { allowed: 0, error: 1, denied: 3, redirect: 4 } as const;

class UsageError extends Error {}

function isFlow(value: string): value is LoginFlow {
  return (LOGIN_FLOWS as readonly string[]).includes(value);
}

function parseProfile(text: string): SocialProfile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(
      '--google-profile must be JSON, e.g. \'{"sub":"1234","email":"a@example.com","email_verified":true}\'',
    );
  }
  if (typeof parsed !== 'object' || parsed === null || typeof (parsed as { sub?: unknown }).sub !== 'string') {
    throw new UsageError('--google-profile needs at least "sub" (the Google user id)');
  }
  return parsed as SocialProfile;
}

/** A password without echo on a terminal; otherwise the first line of stdin. */
async function readPassword(): Promise<string> {
  const { stdin } = process;
  if (!stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  }
  process.stderr.write('Password: ');
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  return new Promise((resolve) => {
    let value = '';
    const onData = (text: string): void => {
      for (const char of text) {
        if (char === '\r' || char === '\n') {
          stdin.setRawMode(false);
          stdin.off('data', onData);
          stdin.pause();
          process.stderr.write('\n');
          resolve(value);
          return;
        }
        if (char === '\u0003') {
          stdin.setRawMode(false);
          process.stderr.write('\n');
          process.exit(130);
        }
        value = char === '\u007f' || char === '\b' ? value.slice(0, -1) : value + char;
      }
    };
    stdin.on('data', onData);
    stdin.resume();
  });
}

async function buildRequest(values: Record<string, string | boolean | undefined>): Promise<LoginRequest> {
  const text = (name: string): string | undefined => (typeof values[name] === 'string' ? values[name] : undefined);
  const client = text('client');
  const connection = text('connection');
  const flow = text('flow') ?? 'interactive';
  if (!client || !connection) throw new UsageError('--client and --connection are required');
  if (!isFlow(flow)) throw new UsageError(`--flow is one of ${LOGIN_FLOWS.join(', ')}`);
  const request: LoginRequest = { client, connection, flow };
  const user = text('user');
  const profile = text('google-profile');
  const ip = text('ip');
  if (ip) request.ip = ip;
  if (flow === 'refresh-token' || flow === 'prompt-none') {
    if (!user) throw new UsageError(`--flow ${flow} needs --user (the email or user id of an existing user)`);
    request.user = user;
  } else if (profile !== undefined) {
    request.profile = parseProfile(profile);
  } else {
    if (!user)
      throw new UsageError(
        '--user <email> (database connection) or --google-profile <json> (social connection) is required',
      );
    request.email = user;
    request.password = text('password') ?? (await readPassword());
  }
  return request;
}

function print(response: LoginResponse, request: LoginRequest, caPath: string): void {
  console.log(`${outcomeHeadline(response)}  [${request.client}, ${request.connection}, ${request.flow}]`);
  console.log(`Actions run: ${actionsRun(response)}`);
  if (response.outcome === 'allowed') {
    console.log('ID token claims:');
    for (const line of claimsTable(response.claims)) console.log(line);
  }
  if (response.outcome === 'redirect') {
    const payload = sessionTokenPayload(response.url);
    console.log(
      `The Action sent the browser to ${pageOf(response.url)} (session token payload ${JSON.stringify(
        Object.fromEntries(Object.entries(payload).filter(([key]) => !['iat', 'exp', 'iss', 'ip'].includes(key))),
      )}).`,
    );
    console.log(
      `Open this URL in a browser that trusts ${caPath} to continue (it expires with the login, in 15 minutes):`,
    );
    console.log(`  ${response.url}`);
  }
  if (response.logs.length > 0) {
    console.log('Action logs:');
    for (const log of response.logs) console.log(`  [${log.action}] ${log.message}`);
  }
}

async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      client: { type: 'string' },
      connection: { type: 'string' },
      flow: { type: 'string' },
      user: { type: 'string' },
      password: { type: 'string' },
      'google-profile': { type: 'string' },
      ip: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return EXIT.allowed;
  }
  const request = await buildRequest(values);
  const port = parseSandboxPort(process.env.SANDBOX_PORT) ?? DEFAULT_PORT;
  const target = sandboxTarget(DEFAULT_STATE_DIR, port);
  const client = new SandboxClient(target);
  const token = await client.managementToken(readDeployClient(DEFAULT_STATE_DIR));
  const answer = await client.request<LoginResponse | { message?: string }>('POST', '/sandbox/login', {
    token,
    json: request,
  });
  if (answer.status !== 200 || !('outcome' in answer.body)) {
    const message = 'message' in answer.body ? answer.body.message : JSON.stringify(answer.body);
    throw new Error(`the sandbox refused the request (HTTP ${answer.status}): ${message}`);
  }
  const response = answer.body;
  if (values.json) console.log(JSON.stringify(response, null, 2));
  else print(response, request, relative(REPO_ROOT, target.caPath));
  return EXIT[response.outcome];
}

/** `npm run login`: exits with the outcome's code. */
export function main(argv: string[]): void {
  run(argv).then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (
        error instanceof UsageError ||
        (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))
      ) {
        console.error(`${error.message}\n${USAGE}`);
      } else {
        console.error(`npm run login: ${error instanceof Error ? error.message : String(error)}`);
      }
      process.exit(EXIT.error);
    },
  );
}
