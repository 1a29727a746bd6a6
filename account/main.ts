import { ConfigError, readAccountConfig } from './config';
import { buildAccountApp } from './server';

/** The container's entry point: configuration from the environment, then listen until SIGTERM. */
async function main(): Promise<void> {
  const config = readAccountConfig(process.env);
  const app = await buildAccountApp(config, { logger: true });
  const close = (): void => {
    // Finish the requests in flight (the load balancer has stopped sending new ones), then exit.
    app.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGTERM', close);
  process.once('SIGINT', close);
  await app.listen({ host: config.host, port: config.port });
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
