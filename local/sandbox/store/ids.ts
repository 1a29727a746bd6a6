import { randomBytes, randomUUID } from 'node:crypto';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const SECRET_ALPHABET = `${ALPHANUMERIC}-_`;

function randomString(length: number, alphabet: string): string {
  // Rejection sampling keeps the distribution uniform for alphabets that do not divide 256.
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < limit && out.length < length) out += alphabet[byte % alphabet.length];
    }
  }
  return out;
}

// Identifier shapes follow Auth0's so that code parsing them (prefixes, lengths) behaves the same.
export const newClientId = (): string => randomString(32, ALPHANUMERIC);
export const newClientSecret = (): string => randomString(64, SECRET_ALPHABET);
export const newConnectionId = (): string => `con_${randomString(16, ALPHANUMERIC)}`;
export const newClientGrantId = (): string => `cgr_${randomString(16, ALPHANUMERIC)}`;
export const newResourceServerId = (): string => randomBytes(12).toString('hex');
export const newJobId = (): string => `job_${randomString(16, ALPHANUMERIC)}`;
export const newTicketId = (): string => randomString(32, ALPHANUMERIC);
export const newUuid = (): string => randomUUID();
/** The part after `auth0|` in a database user's id (Auth0 uses a 24-hex object id). */
export const newDatabaseUserKey = (): string => randomBytes(12).toString('hex');

export const nowIso = (): string => new Date().toISOString();
