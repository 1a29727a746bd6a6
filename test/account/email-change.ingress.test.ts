import { createTransport } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { Outbox } from '../../local/sandbox/email/outbox';
import { startSmtpIngress, type SmtpIngress } from '../../local/sandbox/email/smtp-ingress';
import { openDatabase } from '../../local/sandbox/store/db';

// The sandbox's SMTP ingress under an oversized DATA: smtp-server streams the whole message to
// onData whatever its `size` (it only flags `sizeExceeded`), so the ingress must stop feeding the
// parser once over the limit instead of letting mailparser buffer it all.

const LIMIT = 1024 * 1024;
/** How many bytes each simpleParser call was given. */
const parsedBytes = vi.hoisted((): number[] => []);

vi.mock('mailparser', async (importOriginal) => {
  const actual = await importOriginal<typeof import('mailparser')>();
  const counted = (input: Parameters<typeof actual.simpleParser>[0]) => {
    if (Buffer.isBuffer(input) || typeof input === 'string') {
      parsedBytes.push(Buffer.byteLength(input));
      return actual.simpleParser(input);
    }
    const index = parsedBytes.push(0) - 1;
    input.on('data', (chunk: Buffer) => {
      parsedBytes[index] = (parsedBytes[index] ?? 0) + chunk.length;
    });
    return actual.simpleParser(input);
  };
  return { ...actual, simpleParser: counted };
});

let ingress: SmtpIngress;
let outbox: Outbox;

beforeAll(async () => {
  outbox = new Outbox(openDatabase(':memory:'));
  ingress = await startSmtpIngress({ outbox, host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await ingress?.close();
});

describe("the sandbox's SMTP ingress", () => {
  test('a DATA over 1 MB: 552, not stored, and the parser never given more than the limit', async () => {
    const transport = createTransport(ingress.url);
    try {
      // nodemailer declares no SIZE in MAIL FROM, so the message is only caught while streaming.
      const refused = transport.sendMail({
        from: 'sender@acme.example',
        to: 'huge@example.com',
        subject: 'Huge',
        text: 'x'.repeat(4 * LIMIT),
      });
      await expect(refused).rejects.toMatchObject({ responseCode: 552 });
      expect(outbox.list({ to: 'huge@example.com' })).toEqual([]);
      expect(Math.max(0, ...parsedBytes)).toBeLessThanOrEqual(LIMIT);

      // The connection's next message is read as usual.
      await transport.sendMail({
        from: 'sender@acme.example',
        to: 'small@example.com',
        subject: 'Small',
        text: 'Open https://example.com/next',
      });
      expect(outbox.list({ to: 'small@example.com' })).toMatchObject([
        { subject: 'Small', url: 'https://example.com/next' },
      ]);
    } finally {
      transport.close();
    }
  });
});
