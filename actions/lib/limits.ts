/**
 * The limits Auth0 enforces on post-login Actions (https://auth0.com/docs/customize/actions/limitations).
 * One table, shared by the Actions, the runtime, the build and the validator, so they cannot disagree.
 */
export const LIMITS = {
  codeSizeBytes: 100 * 1024,
  triggerBudgetMs: 20_000,
  actionsPerTrigger: 20,
  actionsPerTenant: 100,
  secretsPerAction: 30,
  secretNameChars: 128,
  secretValueChars: 4096,
  dependenciesPerAction: 10,
  logCharsPerAction: 256,
  metadataBytesPerSession: 32 * 1024,
  cache: {
    entries: 20,
    keyBytes: 64,
    valueBytes: 4 * 1024,
    totalBytes: 8 * 1024,
    maxTtlMs: 24 * 60 * 60 * 1000,
    defaultTtlMs: 15 * 60 * 1000,
  },
  transactionMetadata: { keyChars: 64, valueBytes: 8 * 1024, totalBytes: 16 * 1024 },
  customClaimsBytesPerToken: 100 * 1024,
  primaryUserIdChars: 128,
  scopeChars: 280,
  clientMetadata: { keys: 10, valueChars: 255 },
} as const;
