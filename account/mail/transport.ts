import { createTransport } from 'nodemailer';
import type { MailConfig } from '../config';

/**
 * The service's own emails, sent by SMTP (nodemailer) with the configured From. The transport's
 * options come from the validated ACCOUNT_SMTP_URL only (config.ts): TLS from the start, STARTTLS
 * required, or loopback; certificates are always checked.
 */

export interface OutgoingMail {
  to: string;
  subject: string;
  html: string;
  /** The plain-text part, for clients that do not show HTML. */
  text: string;
}

export interface MailSender {
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

const TIMEOUT_MS = 10_000;

export function createMailSender(config: MailConfig): MailSender {
  const transport = createTransport({
    host: config.smtp.host,
    port: config.smtp.port,
    secure: config.smtp.secure,
    requireTLS: config.smtp.requireTLS,
    ...(config.smtp.auth ? { auth: config.smtp.auth } : {}),
    connectionTimeout: TIMEOUT_MS,
    greetingTimeout: TIMEOUT_MS,
    socketTimeout: TIMEOUT_MS,
  });
  return {
    async send(mail) {
      await transport.sendMail({ from: config.from, ...mail });
    },
    close: () => transport.close(),
  };
}
