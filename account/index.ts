// The account service's public entry: what tooling/ and scripts/ use to run it (the layer rules in
// eslint.config.mjs keep them off its internals). The container starts it from main.ts instead.
export { ConfigError, DEFAULT_PORT as ACCOUNT_DEFAULT_PORT, readAccountConfig, type AccountConfig } from './config';
export { buildAccountApp, type AccountAppOptions } from './server';
