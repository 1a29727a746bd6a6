import { describe, expect, it } from 'vitest';
import { CacheStore, LIMITS } from '../../local/runtime';
import { action, login } from './helpers';

describe('api.cache', () => {
  it('stores values with a TTL in milliseconds (default 15 minutes)', () => {
    let now = 1_000_000;
    const cache = new CacheStore(() => now);
    expect(cache.set('short', 'v', { ttl: 1500 })).toEqual({
      type: 'success',
      record: { value: 'v', expires_at: now + 1500 },
    });
    expect(cache.set('default', 'v')).toMatchObject({ record: { expires_at: now + 15 * 60 * 1000 } });
    now += 1499;
    expect(cache.get('short')?.value).toBe('v');
    now += 1;
    expect(cache.get('short')).toBeUndefined();
  });

  it('accepts expires_at and rejects past or too-far expiries', () => {
    const now = 5_000_000;
    const cache = new CacheStore(() => now);
    expect(cache.set('a', 'v', { expires_at: now + 10 }).type).toBe('success');
    expect(cache.set('b', 'v', { expires_at: now })).toEqual({ type: 'error', code: 'ItemAlreadyExpired' });
    expect(cache.set('c', 'v', { expires_at: now + LIMITS.cache.maxTtlMs + 1 })).toEqual({
      type: 'error',
      code: 'InvalidExpiry',
    });
    expect(cache.set('d', 'v', { ttl: LIMITS.cache.maxTtlMs + 1 })).toEqual({ type: 'error', code: 'InvalidExpiry' });
    expect(cache.set('e', 'v', { ttl: 0 })).toEqual({ type: 'error', code: 'InvalidExpiry' });
    expect(cache.set('f', 'v', { ttl: LIMITS.cache.maxTtlMs }).type).toBe('success');
  });

  it('limits keys to 64 bytes and values to 4 KB', () => {
    const cache = new CacheStore();
    expect(cache.set('k'.repeat(64), 'v').type).toBe('success');
    expect(cache.set('é'.repeat(33), 'v')).toEqual({ type: 'error', code: 'CacheKeySizeExceeded' });
    expect(cache.set('v', 'x'.repeat(4096)).type).toBe('success');
    expect(cache.set('w', 'x'.repeat(4097))).toEqual({ type: 'error', code: 'CacheValueSizeExceeded' });
  });

  it('refuses a 21st entry', () => {
    const cache = new CacheStore();
    for (let i = 0; i < 20; i++) expect(cache.set(`k${i}`, 'v').type).toBe('success');
    expect(cache.set('k20', 'v')).toEqual({ type: 'error', code: 'CacheSizeExceeded' });
    expect(cache.set('k0', 'updated').type).toBe('success'); // overwriting is not a new entry
    cache.delete('k1');
    expect(cache.set('k20', 'v').type).toBe('success');
  });

  it('refuses to grow keys and values past 8 KB in total', () => {
    const cache = new CacheStore();
    expect(cache.set('a', 'x'.repeat(4000)).type).toBe('success');
    expect(cache.set('b', 'x'.repeat(4000)).type).toBe('success');
    expect(cache.set('c', 'x'.repeat(200))).toEqual({ type: 'error', code: 'CacheSizeExceeded' });
    expect(cache.set('c', 'x'.repeat(100)).type).toBe('success');
  });

  it('expired entries free their room', () => {
    let now = 0;
    const cache = new CacheStore(() => now);
    for (let i = 0; i < 20; i++) cache.set(`k${i}`, 'v', { ttl: 10 });
    now = 10;
    expect(cache.set('fresh', 'v').type).toBe('success');
  });

  it('is shared by the Actions of the trigger and across logins on a warm instance', async () => {
    const cache = new CacheStore();
    const writer = action('writer', 'api.cache.set("token", "abc", {ttl: 60000});');
    const reader = action('reader', 'api.idToken.setCustomClaim("cached", api.cache.get("token")?.value ?? null);');
    expect((await login([writer, reader], {}, { cache })).idTokenClaims['cached']).toBe('abc');
    expect((await login([reader], {}, { cache })).idTokenClaims['cached']).toBe('abc');
    expect((await login([reader])).idTokenClaims['cached']).toBeNull();
  });
});
