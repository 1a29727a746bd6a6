import { compareFields } from '../diff';
import { isObject, type JsonObject } from '../json';
import type { Handler } from './handler';
import { singleton } from './handler';

/** The three attack-protection settings, under the names tenant.yaml (and deploy-cli) gives them. */
const PARTS = {
  breachedPasswordDetection: 'breached-password-detection',
  bruteForceProtection: 'brute-force-protection',
  suspiciousIpThrottling: 'suspicious-ip-throttling',
} as const;

export const attackProtection: Handler = {
  type: 'attackProtection',
  async read(api) {
    const entries = await Promise.all(
      Object.entries(PARTS).map(async ([key, path]) => [key, await api.get(`/attack-protection/${path}`)] as const),
    );
    return Object.fromEntries(entries);
  },
  current(raw) {
    if (!isObject(raw)) throw new Error('attack protection: expected an object');
    const value: JsonObject = {};
    for (const key of Object.keys(PARTS)) {
      const part = raw[key];
      if (isObject(part)) value[key] = part;
    }
    return [{ type: 'attackProtection', key: '', value }];
  },
  desired: (section) => [{ type: 'attackProtection', key: '', value: singleton(section, 'attackProtection') }],
  compare: (desired, current, ctx) => compareFields(desired.value, current.value, ctx),
};
