// The project's Actions on the local runtime with fixed test settings, their main journeys, and an
// in-process fake of the Management API they call: shared by the Action tests and npm run bench.
export * from './actions';
export * from './journeys';
export * from './fake-management-api';
