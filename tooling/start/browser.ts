import { parse, type HTMLElement } from 'node-html-parser';
import { CookieJar } from 'tough-cookie';

/**
 * What a browser does on the journeys' pages, over HTTP: it keeps cookies (tough-cookie; `Secure`
 * cookies on loopback http too, as browsers treat loopback as a secure context), follows redirects
 * between the origins it is given, and submits a page's forms with their hidden fields (the CSRF
 * token among them) and the button pressed. It runs no script: the answer page's form, which
 * posts itself in a browser, is submitted by the caller.
 */

export interface Page {
  status: number;
  url: string;
  html: string;
}

/** A form to submit: the one posting to `action`, and the button pressed when there are several. */
export interface FormChoice {
  action: string;
  button?: { name: string; value: string };
}

const MAX_REDIRECTS = 20;

export class JourneyBrowser {
  private readonly jar = new CookieJar(undefined, { allowSecureOnLocal: true });

  /**
   * `httpsFetch`: the fetch for the sandbox (it trusts the sandbox's CA); plain http (the account
   * service on loopback) goes through the global fetch. `origins`: where redirects are followed.
   */
  constructor(
    private readonly httpsFetch: typeof fetch,
    private readonly origins: readonly string[],
  ) {}

  open(url: string): Promise<Page> {
    return this.navigate(url);
  }

  /** Presses the form's button, with what the user typed in `fields`. */
  submit(page: Page, choice: FormChoice, fields: Record<string, string> = {}): Promise<Page> {
    const form = formOf(page, choice);
    return this.navigate(form.url, { ...form.fields, ...fields });
  }

  /** Submits the form as an API client would (`Accept: application/json`) and returns the JSON answer. */
  async submitForJson<T>(page: Page, choice: FormChoice): Promise<{ status: number; body: T }> {
    const form = formOf(page, choice);
    const response = await this.request(form.url, form.fields, 'application/json');
    return { status: response.status, body: (await response.json()) as T };
  }

  private async navigate(url: string, form?: Record<string, string>): Promise<Page> {
    let current = url;
    let body = form;
    for (let hops = 0; hops <= MAX_REDIRECTS; hops++) {
      const response = await this.request(current, body, 'text/html');
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location)
        return { status: response.status, url: current, html: await response.text() };
      const next = new URL(location, current);
      if (!this.origins.includes(next.origin))
        throw new Error(`${new URL(current).pathname} redirected out of the journey, to ${next.origin}`);
      current = next.toString();
      body = undefined;
    }
    throw new Error(`more than ${MAX_REDIRECTS} redirects from ${new URL(url).pathname}`);
  }

  private async request(url: string, form: Record<string, string> | undefined, accept: string): Promise<Response> {
    const cookie = await this.jar.getCookieString(url);
    const fetcher = url.startsWith('https:') ? this.httpsFetch : fetch;
    const response = await fetcher(url, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        accept,
        ...(cookie ? { cookie } : {}),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    for (const line of response.headers.getSetCookie()) await this.jar.setCookie(line, url, { ignoreError: true });
    return response;
  }
}

/** The chosen form's absolute action and its fields as a browser posts them (hidden ones, and the button pressed). */
export function formOf(page: Page, choice: FormChoice): { url: string; fields: Record<string, string> } {
  const url = new URL(choice.action, page.url).toString();
  const forms = parse(page.html)
    .querySelectorAll('form')
    .filter((form) => new URL(form.getAttribute('action') ?? '', page.url).toString() === url);
  const { button } = choice;
  const form = button ? forms.find((candidate) => buttonOf(candidate, button)) : forms[0];
  if (!form)
    throw new Error(
      `no form posting to ${new URL(url).pathname}${button ? ` with ${button.name}=${button.value}` : ''} on ${new URL(page.url).pathname} (HTTP ${page.status})`,
    );
  const fields: Record<string, string> = {};
  for (const input of form.querySelectorAll('input[type=hidden]')) {
    const name = input.getAttribute('name');
    if (name) fields[name] = input.getAttribute('value') ?? '';
  }
  if (button) fields[button.name] = button.value;
  return { url, fields };
}

function buttonOf(form: HTMLElement, button: { name: string; value: string }): boolean {
  return form
    .querySelectorAll('button')
    .some(
      (candidate) => candidate.getAttribute('name') === button.name && candidate.getAttribute('value') === button.value,
    );
}
