import type { Connection } from '../store';

/**
 * The connection's password policy as the change-password page states it. The sandbox enforces
 * the policy level and `password_complexity_options.min_length` (store/passwords.ts); Auth0's
 * history, dictionary and personal-info checks are not modelled.
 */
const LEVELS: Readonly<Record<string, { length: number; rules: string[] }>> = {
  none: { length: 1, rules: [] },
  low: { length: 6, rules: [] },
  fair: { length: 8, rules: ['Lower case letters (a-z), upper case letters (A-Z) and numbers (0-9)'] },
  good: {
    length: 8,
    rules: [
      'At least 3 of: lower case letters (a-z), upper case letters (A-Z), numbers (0-9), special characters (e.g. !@#$%^&*)',
    ],
  },
  excellent: {
    length: 10,
    rules: [
      'At least 3 of: lower case letters (a-z), upper case letters (A-Z), numbers (0-9), special characters (e.g. !@#$%^&*)',
      'No more than 2 identical characters in a row',
    ],
  },
};

export function passwordPolicyRules(connection: Pick<Connection, 'options'> | undefined): string[] {
  const options = connection?.options ?? {};
  const level = LEVELS[typeof options.passwordPolicy === 'string' ? options.passwordPolicy : 'good'] ?? LEVELS.good!;
  const complexity = options.password_complexity_options;
  const minLength =
    typeof complexity === 'object' &&
    complexity !== null &&
    !Array.isArray(complexity) &&
    typeof complexity.min_length === 'number'
      ? complexity.min_length
      : level.length;
  return [`At least ${minLength} characters`, ...level.rules];
}
