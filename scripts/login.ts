// npm run login -- --client <name|id> --connection <name> [--flow interactive|refresh-token|prompt-none|password]
//                   [--user <email|user id>] [--password <password>] [--google-profile '<json>'] [--ip <address>] [--json]
//
// One login through the Actions deployed in the running sandbox (npm start, or npm run sandbox
// plus a deploy), over its HTTPS API (trusting the CA in .sandbox/, as the deploy client whose
// credentials are there). Prints the outcome: the ID token's claims, the denial and its reason, or
// the redirect URL to open in a browser to go on through the reference pages.
//
// Database connections: --user is the email; without --password the password is asked for
// (hidden) on a terminal, or read from the first line of stdin. Social connections: --google-profile
// is what Google returned ({"sub", "email", "email_verified", "name", "picture"}). Refresh-token and
// prompt-none logins: --user names the existing user.
//
// Exit codes: 0 allowed, 3 denied, 4 redirect (continue in a browser), 1 usage or sandbox error.
// Environment: SANDBOX_PORT (default 8443).
import { main } from '../tooling/login/cli';

main(process.argv.slice(2));
