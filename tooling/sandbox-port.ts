/**
 * SANDBOX_PORT, the one variable every entry point reads to find (or place) the local sandbox:
 * undefined when unset or empty (the caller's default applies), else a port number, strictly
 * decimal digits ("0x20", "1e3" and " 80 x" are mistakes, not ports).
 */
export class PortError extends Error {
  constructor(value: string, variable = 'SANDBOX_PORT') {
    super(`${variable} must be a port number (1-65535), got "${value}"`);
    this.name = 'PortError';
  }
}

function parsePortVariable(variable: string, value: string | undefined): number | undefined {
  const text = value?.trim();
  if (text === undefined || text === '') return undefined;
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535)) throw new PortError(text, variable);
  return port;
}

export const parseSandboxPort = (value: string | undefined): number | undefined =>
  parsePortVariable('SANDBOX_PORT', value);

/** SANDBOX_SMTP_PORT: where the sandbox's SMTP ingress listens (the account service sends its emails there). */
export const parseSandboxSmtpPort = (value: string | undefined): number | undefined =>
  parsePortVariable('SANDBOX_SMTP_PORT', value);
