import type { OutgoingMail } from '../mail/transport';
import { html, type SafeHtml } from '../security/html';
import { maskAddress } from './email-address';
import type { EmailChangeMessages } from './email-messages';

/**
 * The email change's three emails, HTML (escaped by the `html` template) with a plain-text part:
 * the link to the new address, the "already in use" note to the new address instead of a link
 * (the page's answer is the same either way: no enumeration), and the notice to the old address.
 */

function layout(subject: string, body: SafeHtml): string {
  return html`<!doctype html>
    <html>
      <head>
        <meta charset="utf-8" />
        <title>${subject}</title>
      </head>
      <body style="font-family: system-ui, sans-serif; line-height: 1.5; color: #1d1d1f">
        ${body}
      </body>
    </html>`.text;
}

export function confirmLinkMail(messages: EmailChangeMessages, to: string, url: string, minutes: number): OutgoingMail {
  const subject = messages.mail.linkSubject;
  return {
    to,
    subject,
    html: layout(
      subject,
      html`<p>${messages.mail.link(minutes)}</p>
        <p><a href="${url}">${url}</a></p>
        <p>${messages.mail.linkIgnore}</p>`,
    ),
    text: `${messages.mail.link(minutes)}\n\n${url}\n\n${messages.mail.linkIgnore}\n`,
  };
}

export function addressTakenMail(messages: EmailChangeMessages, to: string): OutgoingMail {
  const subject = messages.mail.takenSubject;
  return { to, subject, html: layout(subject, html`<p>${messages.mail.taken}</p>`), text: `${messages.mail.taken}\n` };
}

export function addressChangedMail(messages: EmailChangeMessages, to: string, newAddress: string): OutgoingMail {
  const subject = messages.mail.changedSubject;
  const changed = messages.mail.changed(maskAddress(newAddress));
  return {
    to,
    subject,
    html: layout(
      subject,
      html`<p>${changed}</p>
        <p>${messages.mail.changedNotYou}</p>`,
    ),
    text: `${changed}\n\n${messages.mail.changedNotYou}\n`,
  };
}
