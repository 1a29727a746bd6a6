// npm run sandbox [-- --reset]
// Starts the local sandbox tenant in the foreground: the Auth0 Management API (and /oauth/token)
// over HTTPS on 127.0.0.1, state in .sandbox/. Ctrl-C stops it cleanly.
//
// Environment:
//   SANDBOX_PORT    port to listen on (default 8443)
//   SANDBOX_FAULTS  JSON array of fault rules, e.g. [{"path":"/api/v2/clients/*","method":"PATCH","status":429,"retryAfter":1}]
import { main } from '../tooling/sandbox/cli';

main(process.argv.slice(2));
