export { startSandbox, DEFAULT_PORT, HOST, type Sandbox, type SandboxOptions } from './server';
export { DEFAULT_STATE_DIR } from './state';
export { formatRequestLogEntry, isManagementApiRequest, type RequestLog, type RequestLogEntry } from './request-log';
export { parseFaultRules, type FaultRule, type FaultHit } from './faults';
export type { DeployClientCredentials } from './bootstrap';
export * from './store';
export { measureEmailRender, templateErrors, type OutboxEmail, type TemplateFields } from './email';
export { caFetch, type CaFetch } from './login/fetch';
