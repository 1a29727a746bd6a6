import { domainToASCII } from 'node:url';

/**
 * Email addresses as the email change takes them: what a user may type as their new address,
 * how two addresses compare, and how an address is shown in a notification to someone who may
 * not be its owner.
 */

/** RFC 5321: 254 characters in a path, 64 in the local part. */
export const MAX_ADDRESS_CHARS = 254;
const MAX_LOCAL_CHARS = 64;
/** WHATWG's "valid email address" local part (what `<input type=email>` accepts): no quotes, no spaces. */
const LOCAL_PART = /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+$/;
const DOMAIN_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export type AddressProblem = 'missing' | 'too_long' | 'invalid';

export type AddressResult = { ok: true; address: string } | { ok: false; problem: AddressProblem };

/**
 * A new address as typed: trimmed, the domain lower-cased (and an internationalised one in its
 * ASCII form), the local part kept. At least two labels in the domain (no bare host, no IP
 * literal), no dot at either end of the local part or two in a row.
 */
export function normalizeAddress(value: unknown): AddressResult {
  if (typeof value !== 'string' || value.trim() === '') return { ok: false, problem: 'missing' };
  const typed = value.trim();
  if (typed.length > MAX_ADDRESS_CHARS) return { ok: false, problem: 'too_long' };
  const at = typed.lastIndexOf('@');
  const local = typed.slice(0, at);
  const domain = domainToASCII(typed.slice(at + 1));
  const labels = domain.split('.');
  const valid =
    at > 0 &&
    local.length <= MAX_LOCAL_CHARS &&
    LOCAL_PART.test(local) &&
    !local.startsWith('.') &&
    !local.endsWith('.') &&
    !local.includes('..') &&
    labels.length >= 2 &&
    labels.every((label) => DOMAIN_LABEL.test(label)) &&
    !/^[0-9]+$/.test(labels[labels.length - 1] ?? '');
  if (!valid) return { ok: false, problem: 'invalid' };
  const address = `${local}@${domain}`;
  return address.length > MAX_ADDRESS_CHARS ? { ok: false, problem: 'too_long' } : { ok: true, address };
}

/** Auth0 keeps database emails lower-cased and finds users by email case-insensitively. */
export function sameAddress(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * An address shown to its previous owner's mailbox without giving it away whole:
 * `ada.lovelace@example.com` → `a***@e***.com`.
 */
export function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  const dot = domain.lastIndexOf('.');
  const name = dot > 0 ? domain.slice(0, dot) : domain;
  const suffix = dot > 0 ? domain.slice(dot) : '';
  return `${local.slice(0, 1)}***@${name.slice(0, 1)}***${suffix}`;
}
