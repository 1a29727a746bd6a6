import { main, planCommand } from '../tooling/deploy/cli';

/** `npm run plan -- --env <name> [--format markdown]`: what a deploy would change. Exit 0 none, 2 changes or drift, 1 error. */
main(planCommand);
