import { compareFields } from '../diff';
import { isObject } from '../json';
import type { Handler } from './handler';
import { singleton, strip } from './handler';

/** Tenant settings: one resource. deploy-cli sends session lifetimes in minutes; Auth0 reads them back in hours, as the YAML writes them. */
export const tenant: Handler = {
  type: 'tenant',
  read: (api) => api.get('/tenants/settings'),
  current(raw) {
    if (!isObject(raw)) throw new Error('tenant settings: expected an object');
    return [{ type: 'tenant', key: '', value: strip(raw, ['sandbox_versions_available']) }];
  },
  desired: (section) => [{ type: 'tenant', key: '', value: singleton(section, 'tenant') }],
  compare: (desired, current, ctx) => compareFields(desired.value, current.value, ctx),
};
