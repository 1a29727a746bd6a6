import { main } from '../tooling/cli';

/** `npm run validate [-- --env <name>] [--require-secrets]`: offline checks of tenant/ and the Actions. */
main('validate');
