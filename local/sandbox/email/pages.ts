import { Liquid } from 'liquidjs';
import type { OutboxEmail } from './outbox';

/**
 * The sandbox's own pages for emails: the outbox and the pages behind the links. Liquid with
 * every output HTML-escaped (`outputEscape`), strict variables so a typo fails loudly.
 */
const pages = new Liquid({
  outputEscape: 'escape',
  strictVariables: true,
  lenientIf: true,
  strictFilters: true,
  ownPropertyOnly: true,
  templates: {},
});

const LAYOUT = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style nonce="{{ nonce }}">
  body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 3rem auto; padding: 0 1rem; color: #1d1d1f; }
  label { display: block; margin: .5rem 0 .2rem; }
  input[type=password] { width: 100%; max-width: 24rem; padding: .4rem; }
  button { margin-top: .8rem; padding: .5rem 1rem; }
  .error { color: #b00020; }
  .note { color: #555; font-size: .9rem; }
  table { border-collapse: collapse; width: 100%; }
  td, th { text-align: left; border-bottom: 1px solid #ddd; padding: .3rem; vertical-align: top; word-break: break-all; }
</style>
</head>
<body>
<p class="note">Auth0 sandbox</p>
`;

const parsed = {
  layout: pages.parse(LAYOUT),
  error: pages.parse(`<h1>{{ title }}</h1>\n<p id="message">{{ message }}</p>\n`),
  done: pages.parse(`<h1>{{ title }}</h1>\n<p id="message">{{ message }}</p>\n`),
  changePassword: pages.parse(`<h1>Change your password</h1>
<p>Choose a new password for <strong id="email">{{ email }}</strong>.</p>
{% if error != blank %}<p class="error" id="error" role="alert">{{ error }}</p>{% endif %}
<ul id="policy">{% for rule in policy %}<li>{{ rule }}</li>{% endfor %}</ul>
<form method="post" action="{{ action }}">
  <input type="hidden" name="ticket" value="{{ ticket }}">
  <label for="newPassword">New password</label>
  <input id="newPassword" type="password" name="newPassword" autocomplete="new-password" required maxlength="{{ maxLength }}">
  <label for="confirmNewPassword">Confirm the new password</label>
  <input id="confirmNewPassword" type="password" name="confirmNewPassword" autocomplete="new-password" required maxlength="{{ maxLength }}">
  <button type="submit">Change password</button>
</form>
`),
  outbox: pages.parse(`<h1>Outbox</h1>
<p class="note">{{ emails.size }} email(s), newest first. JSON: <a href="/sandbox/outbox.json">/sandbox/outbox.json</a>{% if to != blank %} · to {{ to }}{% endif %}</p>
<table id="outbox"><tr><th>sent</th><th>to</th><th>template</th><th>subject</th><th>link</th></tr>
{% for email in emails %}<tr>
<td>{{ email.created_at }}</td><td>{{ email.to }}</td><td>{{ email.template }}</td>
<td>{% if email.error != blank %}<strong class="error">render error: {{ email.error }}</strong>{% else %}<a href="/sandbox/outbox/{{ email.id }}">{{ email.subject }}</a>{% endif %}</td>
<td>{% if email.url != blank %}<a href="{{ email.url }}" rel="noreferrer">{{ email.url }}</a>{% endif %}</td>
</tr>{% endfor %}
</table>
`),
};

export interface Page {
  html: string;
  nonce: string;
}

function page(title: string, nonce: string, body: ReturnType<Liquid['parse']>, variables: object): string {
  return `${pages.renderSync(parsed.layout, { title, nonce })}${pages.renderSync(body, { title, ...variables })}</body>\n</html>\n`;
}

export function errorPage(nonce: string, title: string, message: string): string {
  return page(title, nonce, parsed.error, { message });
}

export function donePage(nonce: string, title: string, message: string): string {
  return page(title, nonce, parsed.done, { message });
}

export interface ChangePasswordView {
  action: string;
  ticket: string;
  email: string;
  policy: readonly string[];
  maxLength: number;
  error?: string;
}

export function changePasswordPage(nonce: string, view: ChangePasswordView): string {
  return page('Change your password', nonce, parsed.changePassword, { error: '', ...view });
}

export function outboxPage(nonce: string, emails: readonly OutboxEmail[], to: string | undefined): string {
  return page('Outbox', nonce, parsed.outbox, {
    emails: emails.map((email) => ({ error: '', url: '', ...email })),
    to: to ?? '',
  });
}
