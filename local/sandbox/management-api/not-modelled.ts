import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors';

/**
 * The reads auth0-deploy-cli 8.44's export (and import) makes for resource types the sandbox does
 * not model. deploy-cli skips a type, with a warning, on "403 Insufficient scope"; on a 501 about
 * half of its handlers abort the whole export (rules, prompts, log streams...), and the SDK retries
 * every 5xx with a backoff, which made an export ~10 s slower even where the handler then skips.
 * So these exact reads keep answering like a token without the type's scope; anything else the
 * sandbox does not serve is a 501.
 */
const DEPLOY_CLI_READS = new Set([
  '/rules',
  '/rules-configs',
  '/hooks',
  '/connections-directory-provisionings',
  '/guardian/factors',
  '/guardian/factors/sms/providers/twilio',
  '/guardian/factors/push-notification/providers/sns',
  '/guardian/factors/sms/templates',
  '/guardian/policies',
  '/guardian/factors/phone/selected-provider',
  '/guardian/factors/phone/message-types',
  '/roles',
  '/branding',
  '/branding/phone/providers',
  '/branding/phone/templates',
  '/branding/themes/default',
  '/prompts',
  '/actions/modules',
  '/organizations',
  '/attack-protection/bot-detection',
  '/attack-protection/captcha',
  '/risk-assessments/settings',
  '/risk-assessments/settings/new-device',
  '/log-streams',
  '/custom-domains',
  '/forms',
  '/flows',
  '/flows/vault/connections',
  '/self-service-profiles',
  '/network-acls',
  '/user-attribute-profiles',
  '/connection-profiles',
  '/token-exchange-profiles',
  '/supplemental-signals',
  '/rate-limit-policies',
  '/event-streams',
]);

/** `/guardian/factors` → `read:guardian_factors`, the scope deploy-cli's warning names. */
function readScope(path: string): string {
  const [, first = '', second] = path.split('/');
  const resource = second ? `${first}_${second}` : first;
  return `read:${resource.replace(/-/g, '_')}`;
}

/** Registers the catch-all under /api/v2 (after every modelled route, which Fastify prefers anyway). */
export function registerNotModelled(app: FastifyInstance): void {
  app.all('/*', async (request) => {
    const path = (request.url.split('?')[0] ?? '').replace(/^\/api\/v2/, '');
    if (request.method === 'GET' && DEPLOY_CLI_READS.has(path)) {
      throw new ApiError(403, `Insufficient scope, expected any of: ${readScope(path)}`, 'insufficient_scope');
    }
    throw new ApiError(501, `${request.method} /api/v2${path} is not implemented by the sandbox`, 'not_implemented');
  });
}
