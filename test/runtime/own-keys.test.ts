import { describe, expect, it } from 'vitest';
import { buildEvent, runLogin } from '../../local/runtime';
import { copyData } from '../../local/runtime/copy';
import { action } from './helpers';

/**
 * Auth0 hands an Action a JSON-parsed event, where `"__proto__"` is an ordinary own key. The
 * runtime's copies and merges must keep it one, or an Action decides differently locally.
 */
const parsed = (): Record<string, unknown> =>
  JSON.parse('{"theme":"dark","__proto__":{"blocked_apps":["web"]}}') as Record<string, unknown>;

function expectOwnProto(value: unknown): void {
  const record = value as Record<string, unknown>;
  expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
  expect(Object.keys(record)).toContain('__proto__');
  expect(record.blocked_apps).toBeUndefined();
}

describe('an own "__proto__" key of untrusted data', () => {
  it('survives copyData as an own key, nested and in arrays', () => {
    const copy = copyData({ top: parsed(), list: [parsed()] });
    expectOwnProto(copy.top);
    expectOwnProto(copy.list[0]);
    expect(JSON.stringify(copy.top)).toBe(JSON.stringify(parsed()));
  });

  it("survives the event factory's deep merge as an own key", () => {
    const overrides = JSON.parse(
      '{"user":{"app_metadata":{"__proto__":{"blocked_apps":["web"]}},"user_metadata":{"__proto__":{"x":1}}}}',
    ) as object;
    const ev = buildEvent({}, overrides);
    expectOwnProto(ev.user.app_metadata);
    expect(Object.keys(ev.user.user_metadata)).toEqual(['__proto__']);
  });

  it('leads to the decision a JSON-parsed event leads to', async () => {
    const ev = buildEvent({ seed: 3 });
    ev.user.app_metadata = parsed() as typeof ev.user.app_metadata;
    ev.client.client_id = 'web';
    const gate = action(
      'gate',
      'if ((event.user.app_metadata.blocked_apps ?? []).includes(event.client.client_id)) api.access.deny("app_blocked");',
    );
    expect((await runLogin({ actions: [gate], event: ev })).outcome).toBe('allowed');
  });

  it('survives a metadata write and its persistence', async () => {
    const writer = action('writer', 'api.user.setAppMetadata("prefs", JSON.parse(\'{"__proto__":{"admin":true}}\'));');
    const reader = action('reader', 'if (event.user.app_metadata.prefs.admin) api.access.deny("leaked");');
    const result = await runLogin({ actions: [writer, reader], event: buildEvent({ seed: 3 }) });
    expect(result.outcome).toBe('allowed');
    expectOwnProto(result.user.app_metadata.prefs);
  });
});
