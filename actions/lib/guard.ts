import { errorName, type Log } from './log';

/**
 * Runs a handler body so that no exception escapes: Auth0 turns an uncaught exception into an
 * access_denied whose description is the raw message (a leak), and skips later Actions.
 * `onError` decides the failure policy of each Action (deny a stable code, or carry on).
 */
export async function guarded(log: Log, body: () => Promise<void>, onError: () => void): Promise<void> {
  try {
    await body();
  } catch (error) {
    log(`unexpected ${errorName(error)}`);
    onError();
  }
}
