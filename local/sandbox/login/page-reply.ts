import { randomBytes } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { contentSecurityPolicy, htmlDocument, type FormTargets, type SafeHtml } from './pages';

/** An HTML page with the headers every sandbox page gets (its nonce is the only script/style allowed). */
export function sendPage(
  reply: FastifyReply,
  page: {
    status: number;
    title: string;
    body: SafeHtml;
    script?: string;
    /** This sandbox's origin (form posts and /continue). */
    origin: string;
    /** Other origins the page's forms may end at after redirects (the application's callback), or `anywhere` (a sign-in). */
    redirectOrigins?: FormTargets;
  },
): FastifyReply {
  const nonce = randomBytes(16).toString('base64');
  return (
    reply
      .code(page.status)
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', contentSecurityPolicy(nonce, page.origin, page.redirectOrigins))
      // Page URLs carry session tokens and transactions: keep them out of caches and Referer headers.
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .header('x-content-type-options', 'nosniff')
      .header('x-frame-options', 'DENY')
      .send(htmlDocument(page.title, nonce, page.body, page.script))
  );
}
