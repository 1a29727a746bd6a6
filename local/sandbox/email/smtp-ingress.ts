import type { AddressInfo } from 'node:net';
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { Outbox } from './outbox';

/**
 * The sandbox's SMTP ingress: services that send their own emails (the account service, through
 * its SMTP transport) deliver them here, on loopback, and each message lands in the outbox beside
 * Auth0's, once per envelope recipient, as template `smtp`. Plain SMTP without authentication:
 * it listens on 127.0.0.1 only, like the rest of the sandbox, and the outbox it writes to is read
 * by the deploy client only.
 */

export const SMTP_TEMPLATE = 'smtp';
/** Far above any message of the services (a few kB); a runaway sender is refused, not stored. */
const MAX_MESSAGE_BYTES = 1024 * 1024;
const MAX_RECIPIENTS = 50;

export interface SmtpIngress {
  /** `smtp://127.0.0.1:<port>`: a service's SMTP URL (plain SMTP is allowed on loopback). */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** The first http(s) link of the message: the `href` of its HTML part, else the first URL of its text. */
export function firstLink(html: string | undefined, text: string | undefined): string | undefined {
  const href = html === undefined ? undefined : /<a\s[^>]*href\s*=\s*"(https?:\/\/[^"]+)"/i.exec(html)?.[1];
  if (href !== undefined)
    return href
      .replace(/&amp;/g, '&')
      .replace(/&#39;/g, "'")
      .replace(/&quot;/g, '"');
  return text === undefined ? undefined : /https?:\/\/[^\s<>"]+/.exec(text)?.[0];
}

const addressText = (value: AddressObject | AddressObject[] | undefined): string =>
  value === undefined ? '' : (Array.isArray(value) ? value : [value]).map((entry) => entry.text).join(', ');

export async function startSmtpIngress(options: { outbox: Outbox; host: string; port: number }): Promise<SmtpIngress> {
  const server = new SMTPServer({
    // No TLS on loopback; no AUTH (nothing to protect a local sandbox's inbox from its own host).
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    size: MAX_MESSAGE_BYTES,
    banner: 'Auth0 sandbox SMTP ingress',
    logger: false,
    onRcptTo(_address, session, callback) {
      if (session.envelope.rcptTo.length >= MAX_RECIPIENTS) return callback(new Error('Too many recipients'));
      return callback();
    },
    onData(stream, session, callback) {
      // smtp-server streams the whole DATA here whatever `size` says (it only sets sizeExceeded),
      // and answers only once it ended: keep at most the limit, drain the rest, parse nothing
      // over it (mailparser would hold it all in memory).
      const chunks: Buffer[] = [];
      let bytes = 0;
      stream.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes <= MAX_MESSAGE_BYTES) chunks.push(chunk);
        else chunks.length = 0;
      });
      stream.once('error', callback);
      stream.once('end', () => {
        if (bytes > MAX_MESSAGE_BYTES)
          return callback(Object.assign(new Error('Message too large'), { responseCode: 552 }));
        simpleParser(Buffer.concat(chunks))
          .then((parsed) => {
            const html = typeof parsed.html === 'string' ? parsed.html : (parsed.textAsHtml ?? '');
            const url = firstLink(html, parsed.text);
            for (const recipient of session.envelope.rcptTo) {
              options.outbox.add({
                template: SMTP_TEMPLATE,
                to: recipient.address,
                user_id: '',
                from: addressText(parsed.from),
                subject: parsed.subject ?? '',
                html,
                ...(url !== undefined ? { url } : {}),
                urlLifetimeInSeconds: 0,
              });
            }
            callback();
          })
          .catch((error: unknown) => callback(error instanceof Error ? error : new Error('Unreadable message')));
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://${options.host}:${port}`,
    port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
