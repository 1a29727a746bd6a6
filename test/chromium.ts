import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

// Headless Chromium for the browser tests: Debian's (never a downloaded one), trusting the
// sandbox's server certificate by its key's hash instead of ignoring TLS errors.

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

function spkiHash(certPem: string): string {
  const spki = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

/** Launches Chromium trusting the server certificate at `serverCertPath` (the sandbox's). */
export async function launchChromium(serverCertPath: string): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium), as .ci/run does`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--ignore-certificate-errors-spki-list=${spkiHash(readFileSync(serverCertPath, 'utf8'))}`,
    ],
  });
}

/** What a page's Content-Security-Policy refuses, and its script errors, as they happen. */
export function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/.test(message.text())) errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}
