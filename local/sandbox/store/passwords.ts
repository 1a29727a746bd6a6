import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { badRequest } from '../errors';

// scrypt with Node's default cost (N=16384, r=8, p=1); parameters are stored with the hash.
const COST = 16384;
const BLOCK_SIZE = 8;
const PARALLELISM = 1;
const KEY_LENGTH = 32;

export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(password, salt, KEY_LENGTH, { N: COST, r: BLOCK_SIZE, p: PARALLELISM });
  return ['scrypt', COST, BLOCK_SIZE, PARALLELISM, salt.toString('base64'), key.toString('base64')].join('$');
}

export function verifyPassword(password: string, stored: string): boolean {
  const [scheme, cost, blockSize, parallelism, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !cost || !blockSize || !parallelism || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const actual = scryptSync(password, Buffer.from(salt, 'base64'), expected.length, {
    N: Number(cost),
    r: Number(blockSize),
    p: Number(parallelism),
  });
  return timingSafeEqual(actual, expected);
}

const LOWER = /[a-z]/;
const UPPER = /[A-Z]/;
const DIGIT = /[0-9]/;
const CHARACTER_CLASSES = [LOWER, UPPER, DIGIT, /[^a-zA-Z0-9]/];

interface Policy {
  length: number;
  /** Character classes that must all be present. */
  allOf: RegExp[];
  /** How many of the four classes must be present. */
  anyOf: number;
  noTriples: boolean;
}

const POLICIES: Record<string, Policy> & { good: Policy } = {
  none: { length: 1, allOf: [], anyOf: 0, noTriples: false },
  low: { length: 6, allOf: [], anyOf: 0, noTriples: false },
  fair: { length: 8, allOf: [LOWER, UPPER, DIGIT], anyOf: 0, noTriples: false },
  good: { length: 8, allOf: [], anyOf: 3, noTriples: false },
  excellent: { length: 10, allOf: [], anyOf: 3, noTriples: true },
};

/** Auth0's database password policies (options.passwordPolicy) and min_length override. */
export function assertPasswordPolicy(
  password: string,
  policy: string | undefined,
  minLength: number | undefined,
): void {
  const classes = CHARACTER_CLASSES.filter((re) => re.test(password));
  const rule = POLICIES[policy ?? 'good'] ?? POLICIES.good;
  const weak =
    password.length < (minLength ?? rule.length) ||
    classes.length < rule.anyOf ||
    !rule.allOf.every((re) => re.test(password)) ||
    (rule.noTriples && /(.)\1\1/.test(password));
  if (weak) throw badRequest('PasswordStrengthError: Password is too weak', 'invalid_password');
}
