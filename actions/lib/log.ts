/**
 * Logging for Actions. Auth0 keeps only 256 characters of console output per Action, and logs are
 * read by operators: messages carry codes and field or secret NAMES only, never values or PII.
 */
export type Log = (message: string) => void;

export function createLog(action: string): Log {
  return (message) => console.log(`${action}: ${message}`);
}

/** The error's class name only: messages can embed URLs, emails or tokens. */
export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
