import { createHash } from 'node:crypto';

/**
 * The simulated social provider's user id for an email: digits derived from the connection and
 * the lower-cased email, so that typing the same email again signs in to the same account.
 */
export function socialSub(connection: string, email: string): string {
  const digest = createHash('sha256').update(`${connection}\n${email.toLowerCase()}`).digest();
  return (digest.readBigUInt64BE(0) % 10n ** 21n).toString().padStart(21, '1');
}
