import { Management } from 'auth0';
import type { AttackProtectionKind, AttackProtectionSettings } from '../store/tenant';
import type { ApiContext, RouteModule } from './context';
import { arrayOf, boolean, integer, stringArray, stringEnum, strictObject, type JsonSchema } from './schema';

const stageShields = (values: string[]): JsonSchema => strictObject({ shields: arrayOf(stringEnum(values)) });
const throttle = strictObject({ max_attempts: integer({ minimum: 0 }), rate: integer({ minimum: 0 }) });

const BODIES: Record<AttackProtectionKind, JsonSchema> = {
  'breached-password-detection': strictObject({
    enabled: boolean,
    shields: arrayOf(
      stringEnum(['block', 'user_notification', 'admin_notification', 'pre-user-registration', 'pre-change-password']),
    ),
    admin_notification_frequency: arrayOf(
      stringEnum(Management.BreachedPasswordDetectionAdminNotificationFrequencyEnum),
    ),
    method: stringEnum(Management.BreachedPasswordDetectionMethodEnum),
    stage: strictObject({
      'pre-user-registration': stageShields(['block', 'admin_notification']),
      'pre-change-password': stageShields(['block', 'admin_notification']),
    }),
  }),
  'brute-force-protection': strictObject({
    enabled: boolean,
    shields: arrayOf(stringEnum(Management.BruteForceProtectionShieldsEnum)),
    allowlist: stringArray(),
    mode: stringEnum(Management.BruteForceProtectionModeEnum),
    max_attempts: integer({ minimum: 1, maximum: 100 }),
  }),
  'suspicious-ip-throttling': strictObject({
    enabled: boolean,
    shields: arrayOf(stringEnum(['block', 'admin_notification'])),
    allowlist: stringArray(),
    stage: strictObject({
      'pre-login': throttle,
      'pre-user-registration': throttle,
      'pre-custom-token-exchange': throttle,
    }),
  }),
};

/** GET/PATCH /attack-protection/{breached-password-detection,brute-force-protection,suspicious-ip-throttling}. */
export const registerAttackProtection: RouteModule = (app, { store }: ApiContext) => {
  for (const kind of Object.keys(BODIES) as AttackProtectionKind[]) {
    app.get(`/attack-protection/${kind}`, { config: { scopes: ['read:attack_protection'] } }, async () =>
      store.tenant.attackProtection(kind),
    );
    app.patch<{ Body: AttackProtectionSettings }>(
      `/attack-protection/${kind}`,
      {
        schema: { body: BODIES[kind] },
        config: { scopes: ['update:attack_protection'] },
      },
      async (request) => store.tenant.updateAttackProtection(kind, request.body),
    );
  }
};
