/** A trigger as GET /actions/triggers describes it. */
export interface TriggerInfo {
  id: string;
  version: string;
  status: 'CURRENT';
  runtimes: string[];
  default_runtime: string;
  compatible_triggers: { id: string; version: string }[];
  binding_policy: 'trigger-bound';
}

export const ACTION_RUNTIMES = ['node18', 'node18-actions', 'node22'] as const;
export const DEFAULT_RUNTIME = 'node22';

function trigger(id: string, version: string): TriggerInfo {
  return {
    id,
    version,
    status: 'CURRENT',
    runtimes: [...ACTION_RUNTIMES],
    default_runtime: DEFAULT_RUNTIME,
    compatible_triggers: [],
    binding_policy: 'trigger-bound',
  };
}

// The flow triggers a B2C tenant uses; each at the version Auth0 currently offers.
export const TRIGGERS: readonly TriggerInfo[] = [
  trigger('post-login', 'v3'),
  trigger('credentials-exchange', 'v2'),
  trigger('pre-user-registration', 'v2'),
  trigger('post-user-registration', 'v2'),
  trigger('post-change-password', 'v2'),
  trigger('send-phone-message', 'v2'),
  trigger('password-reset-post-challenge', 'v1'),
];

export function findTrigger(id: string): TriggerInfo | undefined {
  return TRIGGERS.find((trigger) => trigger.id === id);
}
