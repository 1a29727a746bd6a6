/** The paths of ticket links, as Auth0 shapes them (the trailing `#` included). */
export const VERIFY_EMAIL_PATH = '/u/email-verification';
export const RESET_PASSWORD_PATH = '/u/reset-verify';
/** The sandbox's own path: Auth0 does not document its unblock link's shape. */
export const UNBLOCK_PATH = '/u/unblock';

export function verificationLink(domain: string, ticketId: string): string {
  return `https://${domain}${VERIFY_EMAIL_PATH}?ticket=${ticketId}#`;
}

export function passwordChangeLink(domain: string, ticketId: string): string {
  return `https://${domain}${RESET_PASSWORD_PATH}?ticket=${ticketId}#`;
}

export function unblockLink(domain: string, ticketId: string): string {
  return `https://${domain}${UNBLOCK_PATH}?ticket=${ticketId}#`;
}

/**
 * Where a used link sends the user: the result URL with Auth0's `success` and `message` (and the
 * email unless the template or ticket says includeEmailInRedirect: false).
 */
export function resultRedirect(
  resultUrl: string,
  outcome: { success: boolean; message: string; email?: string },
): string | undefined {
  let url: URL;
  try {
    url = new URL(resultUrl);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  if (outcome.email !== undefined) url.searchParams.set('email', outcome.email);
  url.searchParams.set('success', String(outcome.success));
  url.searchParams.set('message', outcome.message);
  return url.toString();
}
