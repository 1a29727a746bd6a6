import type { Event } from '../platform/post-login';
import { asRecord } from './untrusted';

/**
 * Whether this login is for the account service's own client (client metadata
 * `account_service: "true"`, set in tenant.yaml). The account service's logins are its proofs of
 * control (the linking page's nested login) and its self-service pages: neither may itself be
 * sent to the linking or the consent page (a proof that redirects to the page it proves for never
 * ends, and a user who declined new terms must still reach their data). gate-apps never reads it:
 * blocks apply to every client.
 */
export function isAccountService(event: Event): boolean {
  return asRecord(event.client?.metadata)?.account_service === 'true';
}
