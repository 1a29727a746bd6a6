import { BlockList, isIP } from 'node:net';
import type { Store, User } from '../store';

/** Told when a block starts and the tenant notifies users (shield `user_notification`). */
export type AccountBlockedListener = (user: User, block: { connection: string; ip: string }) => void;

// Auth0 sends the blocked-account email at most once an hour per IP.
const NOTIFY_INTERVAL_MS = 3_600_000;

/**
 * Auth0's brute-force protection for database logins, as the tenant configures it
 * (`attackProtection.bruteForceProtection` and the connection's `brute_force_protection`): after
 * `max_attempts` consecutive failures for an identifier (and IP, in the default mode) the account
 * is blocked for that identifier (and IP) until an administrator or the user unblocks it
 * (`DELETE /api/v2/user-blocks`). Failure counts live in memory: a restart forgets them, the
 * blocks themselves are stored.
 */
export class BruteForceProtection {
  private readonly failures = new Map<string, number>();
  private readonly notified = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly onBlocked?: AccountBlockedListener,
  ) {}

  /** True when a stored block applies to this identifier (and IP, per the mode). */
  isBlocked(connection: string, email: string, ip: string): boolean {
    const perIp = this.settings().mode !== 'count_per_identifier';
    return this.store.users
      .blocksByIdentifier(email)
      .some((block) => block.connection === connection && (!perIp || block.ip === undefined || block.ip === ip));
  }

  recordFailure(connection: string, email: string, ip: string): void {
    const settings = this.settings();
    if (!settings.enabled || !this.connectionProtected(connection) || allowlisted(settings.allowlist, ip)) return;
    const key = this.key(connection, email, ip, settings.mode);
    const count = (this.failures.get(key) ?? 0) + 1;
    if (count < settings.maxAttempts) {
      this.failures.set(key, count);
      return;
    }
    this.failures.delete(key);
    const owner = this.store.users.databaseIdentityOwner(connection, email);
    if (owner && settings.block) {
      this.store.users.addBlock(owner.user_id, {
        identifier: email.toLowerCase(),
        connection,
        ...(settings.mode === 'count_per_identifier' ? {} : { ip }),
      });
      this.store.logs.record({
        type: 'limit_wc',
        description: `${settings.maxAttempts} failed login attempts: the account is blocked`,
        user_id: owner.user_id,
        user_name: email,
        connection,
        ip,
      });
    }
    if (owner && settings.notify && this.onBlocked) {
      const notifyKey = JSON.stringify([owner.user_id, ip]);
      const now = Date.now();
      if (now - (this.notified.get(notifyKey) ?? -Infinity) >= NOTIFY_INTERVAL_MS) {
        this.notified.set(notifyKey, now);
        this.onBlocked(owner, { connection, ip });
      }
    }
  }

  recordSuccess(connection: string, email: string, ip: string): void {
    this.failures.delete(this.key(connection, email, ip, this.settings().mode));
  }

  private key(connection: string, email: string, ip: string, mode: string): string {
    return JSON.stringify([connection, email.toLowerCase(), mode === 'count_per_identifier' ? '' : ip]);
  }

  private connectionProtected(name: string): boolean {
    return this.store.connections.getByName(name)?.options.brute_force_protection !== false;
  }

  private settings(): {
    enabled: boolean;
    mode: string;
    maxAttempts: number;
    block: boolean;
    notify: boolean;
    allowlist: string[];
  } {
    const stored = this.store.tenant.attackProtection('brute-force-protection');
    const maxAttempts = typeof stored.max_attempts === 'number' && stored.max_attempts > 0 ? stored.max_attempts : 10;
    return {
      enabled: stored.enabled === true,
      mode: typeof stored.mode === 'string' ? stored.mode : 'count_per_identifier_and_ip',
      maxAttempts,
      block: Array.isArray(stored.shields) && stored.shields.includes('block'),
      notify: Array.isArray(stored.shields) && stored.shields.includes('user_notification'),
      allowlist: Array.isArray(stored.allowlist)
        ? stored.allowlist.filter((entry): entry is string => typeof entry === 'string')
        : [],
    };
  }
}

/** Whether `ip` is in the allowlist (addresses and CIDR ranges, IPv4 or IPv6), whose failures never count. */
export function allowlisted(allowlist: readonly string[], ip: string): boolean {
  const family = isIP(ip);
  if (family === 0 || allowlist.length === 0) return false;
  const list = new BlockList();
  for (const entry of allowlist) {
    const [address = '', prefix] = entry.split('/');
    const entryFamily = isIP(address);
    if (entryFamily === 0) continue;
    const type = entryFamily === 6 ? 'ipv6' : 'ipv4';
    const bits = Number(prefix);
    // A malformed entry allows nothing (the Management API accepts any strings here).
    if (prefix === undefined) list.addAddress(address, type);
    else if (/^\d+$/.test(prefix) && bits <= (type === 'ipv6' ? 128 : 32)) list.addSubnet(address, bits, type);
  }
  return list.check(ip, family === 6 ? 'ipv6' : 'ipv4');
}
