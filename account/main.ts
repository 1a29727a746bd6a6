import { ConfigError, readAccountConfig } from './config';
import { startAccountService } from './listen';

/** The container's entry point: the configuration from the environment (docs/account.md). */
async function main(): Promise<void> {
  await startAccountService(readAccountConfig(process.env));
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
