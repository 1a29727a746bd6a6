export { startSandbox, DEFAULT_PORT, HOST, type Sandbox, type SandboxOptions } from './server';
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
// The main journeys of npm start (seeded users, logins through the deployed Actions) and their printing.
export {
  DATABASE,
  GOOGLE,
  NEW_GOOGLE_PROFILE,
  runJourneys,
  SEEDED,
  seedUsers,
  WEB_APP,
  type JourneyContext,
  type JourneyResult,
  type SeededUsers,
} from './login/journeys';
export { actionsRun, claimsTable, outcomeHeadline, pageOf, sessionTokenPayload } from './login/format';
export { LOGIN_FLOWS, type LoginFlow, type LoginRequest, type LoginResponse, type SocialProfile } from './login/types';
