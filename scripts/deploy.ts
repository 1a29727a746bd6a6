import { deployCommand, main } from '../tooling/deploy/cli';

/** `npm run deploy -- --env <name> [--allow-delete]`: guarded, minimal deploy with the real deploy-cli, verified by a second plan. */
main(deployCommand);
