import { compareFields } from '../diff';
import { isObject } from '../json';
import type { Handler } from './handler';
import { singleton } from './handler';

/** The email provider: one resource, absent until configured. Auth0 never returns its password. */
export const emailProvider: Handler = {
  type: 'emailProvider',
  read: async (api) => (await api.getOptional('/emails/provider')) ?? null,
  current(raw) {
    if (raw === null) return [];
    if (!isObject(raw)) throw new Error('email provider: expected an object');
    return [{ type: 'emailProvider', key: '', value: raw }];
  },
  desired: (section) => [{ type: 'emailProvider', key: '', value: singleton(section, 'emailProvider') }],
  compare: (desired, current, ctx) => compareFields(desired.value, current.value, ctx),
};
