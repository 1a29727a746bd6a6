import { describe, expect, it } from 'vitest';
import { describeFailure, failureOf, parseLog, redactor, summarise } from '../../tooling/deploy/output';

// deploy-cli 8.44's output, as captured from runs against the sandbox (colours included).
const FAILED = [
  '2026-11-25T18:25:28.386Z - \u001b[32minfo\u001b[39m: Getting access token for pHWG6L2HrTHrHDcYgbN3U2olMUyrL1bB/127.0.0.1:43049',
  '2026-11-25T18:25:41.960Z - \u001b[33mwarn\u001b[39m: Detected the following actions should be deleted. Doing so may be destructive.',
  "You can enable deletes by setting 'AUTH0_ALLOW_DELETE' to true in the config",
  '        ',
  '{"id":"9529c985","name":"prompt-account-linking"}',
  '{"id":"2f5c26aa","name":"override-profile"}',
  '         ',
  '2026-11-25T18:25:41.966Z - \u001b[31merror\u001b[39m: Problem running command import during stage processChanges when processing type actions',
  '2026-11-25T18:25:41.966Z - \u001b[31merror\u001b[39m: Problem updating actions {"id":"8da8ca3f","name":"gate-apps"}',
  'BadRequestError: BadRequestError',
  'Status code: 400',
  'Body: {',
  '  "statusCode": 400,',
  '  "error": "Bad Request",',
  '  "message": "Payload validation error: \'Expected type string\' on property runtime."',
  '}',
  '2026-11-25T18:25:41.966Z - \u001b[32minfo\u001b[39m: Please refer to the Auth0 Management API docs for expected payloads: https://auth0.com/docs/api/management/v2',
].join('\n');

const SUCCEEDED = [
  '2026-11-25T18:19:25.967Z - info: Updated [clients]: {"name":"Account Linking M2M","client_id":"AgsKXh4gnq0jagIqP3GMD7reISISq1Fo","client_secret":"s3cr3t-from-the-api"}',
  '2026-11-25T18:19:27.006Z - info: [actions]: Waiting for build to complete {"id":"8fb8c68b","name":"enforce-terms"}',
  '2026-11-25T18:19:28.973Z - info: Deployed [actions]: {"id":"8da8ca3f","name":"gate-apps"}',
  '2026-11-25T18:19:34.121Z - info: Created [emailTemplates]: {"template":"verify_email","enabled":true}',
  '2026-11-25T18:19:36.139Z - info: Updated [triggers]: {"trigger_id":"post-login"}',
  '2026-11-25T18:19:31.567Z - warn: Unable to fetch directory provisioning for connections. Insufficient scope',
  '2026-11-25T18:19:36.148Z - info: Import Successful',
].join('\n');

describe('deploy-cli output', () => {
  it('names a failure by resource and by the Management API message', () => {
    const failure = failureOf(parseLog(FAILED));
    expect(failure).toEqual({
      type: 'actions',
      resource: 'gate-apps',
      operation: 'updating',
      status: 400,
      message: "Payload validation error: 'Expected type string' on property runtime.",
    });
    expect(failure && describeFailure(failure)).toBe(
      "actions gate-apps: update failed: 400 Payload validation error: 'Expected type string' on property runtime.",
    );
  });

  it("falls back to deploy-cli's last words when there is no API answer", () => {
    const log =
      '2026-11-25T18:25:41.966Z - error: Problem running command import during stage load when processing type clients\n2026-11-25T18:25:41.966Z - error: fetch failed';
    expect(failureOf(parseLog(log))).toEqual({
      type: 'clients',
      resource: undefined,
      operation: undefined,
      status: undefined,
      message: 'fetch failed',
    });
  });

  it('condenses what was done into one line per resource', () => {
    expect(summarise(parseLog(`${SUCCEEDED}\n${FAILED}`))).toEqual([
      'updated clients Account Linking M2M',
      'deployed actions gate-apps',
      'created emailTemplates verify_email',
      'updated triggers post-login',
      'warning: Unable to fetch directory provisioning for connections. Insufficient scope',
      'left alone: 2 actions not part of this deploy (deletion is off)',
    ]);
  });

  it('redacts every secret value (longest first) and credential fields echoed by the API', () => {
    const redact = redactor([
      { name: 'SHORT', value: 'abc' },
      { name: 'LONG', value: 'abcdef' },
      { name: 'EMPTY', value: '' },
    ]);
    expect(redact('x abcdef y abc z')).toBe('x [redacted:LONG] y [redacted:SHORT] z');
    expect(redact(SUCCEEDED)).toContain('"client_secret":"[redacted]"');
    expect(redact(SUCCEEDED)).not.toContain('s3cr3t-from-the-api');
  });
});
