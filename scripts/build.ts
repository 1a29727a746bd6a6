import { main } from '../tooling/cli';

/** `npm run build [-- --env <name>]`: validate, then write dist/actions/<name>.js. */
main('build');
