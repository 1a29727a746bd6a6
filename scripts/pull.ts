import { main, pullCommand } from '../tooling/deploy/cli';

/** `npm run pull -- --env <name> --out <folder>`: the tenant as it is now, in tenant.yaml's format (secrets as markers). */
main(pullCommand);
