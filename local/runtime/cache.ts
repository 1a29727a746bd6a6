import type {
  CacheDeleteResult,
  CacheRecord,
  CacheSetOptions,
  CacheWriteResult,
} from '../../actions/platform/post-login';
import { LIMITS } from '../../actions/platform/limits';

const { cache: L } = LIMITS;
const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

/**
 * api.cache for one trigger. Auth0 scopes cached values to the trigger (shared by its Actions) and
 * keeps them across executions on the same instance; share one store across logins to model that.
 */
export class CacheStore {
  private readonly records = new Map<string, CacheRecord>();

  constructor(private readonly now: () => number = Date.now) {}

  get(key: string): CacheRecord | undefined {
    const record = this.records.get(key);
    if (record && record.expires_at <= this.now()) {
      this.records.delete(key);
      return undefined;
    }
    return record ? { ...record } : undefined;
  }

  set(key: string, value: string, options: CacheSetOptions = {}): CacheWriteResult {
    if (bytes(key) > L.keyBytes) return { type: 'error', code: 'CacheKeySizeExceeded' };
    if (bytes(value) > L.valueBytes) return { type: 'error', code: 'CacheValueSizeExceeded' };
    const now = this.now();
    let expiresAt: number;
    if (options.expires_at !== undefined) {
      if (!Number.isFinite(options.expires_at) || options.expires_at > now + L.maxTtlMs)
        return { type: 'error', code: 'InvalidExpiry' };
      if (options.expires_at <= now) return { type: 'error', code: 'ItemAlreadyExpired' };
      expiresAt = options.expires_at;
    } else {
      const ttl = options.ttl ?? L.defaultTtlMs;
      if (!Number.isFinite(ttl) || ttl <= 0 || ttl > L.maxTtlMs) return { type: 'error', code: 'InvalidExpiry' };
      expiresAt = now + ttl;
    }
    this.evictExpired(now);
    const others = [...this.records].filter(([k]) => k !== key);
    const total = others.reduce((sum, [k, r]) => sum + bytes(k) + bytes(r.value), bytes(key) + bytes(value));
    if (others.length + 1 > L.entries || total > L.totalBytes) return { type: 'error', code: 'CacheSizeExceeded' };
    const record = { value, expires_at: expiresAt };
    this.records.set(key, record);
    return { type: 'success', record: { ...record } };
  }

  delete(key: string): CacheDeleteResult {
    this.records.delete(key);
    return { type: 'success' };
  }

  private evictExpired(now: number): void {
    for (const [k, r] of this.records) if (r.expires_at <= now) this.records.delete(k);
  }
}

export const createCacheStore = (now?: () => number): CacheStore => new CacheStore(now);
