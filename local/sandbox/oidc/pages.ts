import { html, type SafeHtml } from '../login/pages';

/**
 * The sandbox's Universal-Login-like pages: plain forms, every value escaped by `html`, each form
 * bound to its authorization transaction (`state`) and carrying that transaction's CSRF token.
 */

export interface FormBinding {
  state: string;
  csrf: string;
}

function hidden(binding: FormBinding): SafeHtml {
  return html`<input type="hidden" name="state" value="${binding.state}" /><input
      type="hidden"
      name="csrf"
      value="${binding.csrf}"
    />`;
}

function alert(error: string | undefined): SafeHtml | undefined {
  return error === undefined ? undefined : html`<p class="error" role="alert">${error}</p>`;
}

function link(path: string, state: string, text: string): SafeHtml {
  return html`<a href="${`${path}?state=${encodeURIComponent(state)}`}">${text}</a>`;
}

export function loginForm(
  input: FormBinding & { application: string; connection: string; email?: string; error?: string; social: string[] },
): SafeHtml {
  return html`<h1>Log in</h1>
    <p>Log in to <strong>${input.application}</strong> to continue.</p>
    ${alert(input.error)}
    <form method="post" action="/u/login">
      ${hidden(input)}
      <input type="hidden" name="connection" value="${input.connection}" />
      <label for="email">Email address</label>
      <input id="email" type="email" name="email" autocomplete="username" required value="${input.email ?? ''}" />
      <label for="password">Password</label>
      <input id="password" type="password" name="password" autocomplete="current-password" required />
      <button type="submit">Continue</button>
    </form>
    <p>
      ${link('/u/reset-password', input.state, 'Forgot password?')} · Don't have an account?
      ${link('/u/signup', input.state, 'Sign up')}
    </p>
    ${input.social.map((connection) => html`<p>${link(`/u/social/${encodeURIComponent(connection)}`, input.state, `Continue with ${connection}`)}</p>`)}`;
}

export function signupForm(
  input: FormBinding & {
    application: string;
    connection: string;
    rules: string[];
    requiresUsername: boolean;
    email?: string;
    error?: string;
  },
): SafeHtml {
  return html`<h1>Sign up</h1>
    <p>Create your account for <strong>${input.application}</strong>.</p>
    ${alert(input.error)}
    <form method="post" action="/u/signup">
      ${hidden(input)}
      <input type="hidden" name="connection" value="${input.connection}" />
      <label for="email">Email address</label>
      <input id="email" type="email" name="email" autocomplete="email" required value="${input.email ?? ''}" />
      ${
        input.requiresUsername
          ? html`<label for="username">Username</label>
              <input id="username" type="text" name="username" autocomplete="username" required />`
          : undefined
      }
      <label for="password">Password</label>
      <input id="password" type="password" name="password" autocomplete="new-password" required />
      <ul class="note">
        ${input.rules.map((rule) => html`<li>${rule}</li>`)}
      </ul>
      <button type="submit">Continue</button>
    </form>
    <p>Already have an account? ${link('/u/login', input.state, 'Log in')}</p>`;
}

export function resetForm(input: FormBinding & { connection: string; sent: boolean }): SafeHtml {
  if (input.sent) {
    return html`<h1>Check your email</h1>
      <p>We've just sent you an email to reset your password.</p>
      <p>${link('/u/login', input.state, 'Back to log in')}</p>`;
  }
  return html`<h1>Forgot your password?</h1>
    <p>Enter your email address and we will send you instructions to reset your password.</p>
    <form method="post" action="/u/reset-password">
      ${hidden(input)}
      <input type="hidden" name="connection" value="${input.connection}" />
      <label for="email">Email address</label>
      <input id="email" type="email" name="email" autocomplete="username" required />
      <button type="submit">Continue</button>
    </form>
    <p>${link('/u/login', input.state, 'Back to log in')}</p>`;
}

/** The simulated social provider: the tester types the identity the provider returns. */
export function socialForm(input: FormBinding & { connection: string; error?: string }): SafeHtml {
  return html`<h1>Sign in with ${input.connection} (simulated)</h1>
    <p class="note">
      The sandbox does not contact the provider: type the account it would return. The same email always stands for the
      same provider account.
    </p>
    ${alert(input.error)}
    <form method="post" action="${`/u/social/${encodeURIComponent(input.connection)}`}">
      ${hidden(input)}
      <label for="email">Email address</label>
      <input id="email" type="email" name="email" required />
      <label for="name">Name</label>
      <input id="name" type="text" name="name" />
      <label
        ><input type="checkbox" name="email_verified" value="true" checked /> The provider says this email is
        verified</label
      >
      <button type="submit">Continue</button>
    </form>`;
}

/** response_mode=form_post: the answer posted to the application (at once with JavaScript, on a click without). */
export function formPostPage(action: string, fields: Record<string, string>): { body: SafeHtml; script: string } {
  return {
    body: html`<h1>Back to the application</h1>
      <form id="form-post" method="post" action="${action}">
        ${Object.entries(fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}" />`)}
        <button type="submit">Continue</button>
      </form>`,
    script: "document.getElementById('form-post').submit();",
  };
}
