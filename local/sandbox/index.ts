export { startSandbox, DEFAULT_PORT, DEFAULT_SMTP_PORT, HOST, type Sandbox, type SandboxOptions } from './server';
export { DEFAULT_STATE_DIR, statePaths, type StatePaths } from './state';
export {
  readDeployClient,
  SandboxClient,
  sandboxTarget,
  type SandboxRequest,
  type SandboxResponse,
  type SandboxTarget,
} from './client';
export { formatRequestLogEntry, isManagementApiRequest, type RequestLog, type RequestLogEntry } from './request-log';
export { parseFaultRules, type FaultRule, type FaultHit } from './faults';
export type { DeployClientCredentials } from './bootstrap';
export * from './store';
export { measureEmailRender, templateErrors, type OutboxEmail, type TemplateFields } from './email';
export { caFetch, type CaFetch } from './login/fetch';
export { actionsRun, claimsTable, outcomeHeadline, pageOf, sessionTokenPayload } from './login/format';
export {
  LOGIN_FLOWS,
  type IdTokenClaims,
  type LoginFlow,
  type LoginRequest,
  type LoginResponse,
  type SocialProfile,
} from './login/types';
