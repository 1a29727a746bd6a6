import type { FastifyInstance } from 'fastify';
import type { AccountConfig } from './config';
import { buildAccountApp } from './server';

/** Listens until SIGTERM/SIGINT, then finishes the requests in flight and closes. */
export async function startAccountService(config: AccountConfig): Promise<FastifyInstance> {
  const app = await buildAccountApp(config, { logger: true });
  const close = (): void => {
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', close);
  process.once('SIGINT', close);
  await app.listen({ host: config.host, port: config.port });
  return app;
}
