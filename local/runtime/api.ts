import type {
  API,
  ClaimValue,
  Event,
  FactorSelector,
  JsonObject,
  JsonValue,
  MultifactorProvider,
  SamlAttributeValue,
  TransactionMetadataValue,
  User,
} from '../../actions/platform/post-login';
import type { CacheStore } from './cache';
import { copyData, setOwn } from './copy';
import {
  LIMITS,
  NON_INTERACTIVE_PROTOCOLS,
  RESERVED_APP_METADATA_NAMES,
  RESTRICTED_CLAIMS,
} from '../../actions/platform/limits';
import { encodeSessionToken, validateSessionToken } from './session-token';

/**
 * The post-login `api`, built per Action execution over one shared transaction. It records every
 * effect an Action requests and throws where Auth0 throws, so a test fails where Auth0 would.
 */

export type MetadataWrites = Record<string, JsonValue | null>;
export type Handler = 'onExecutePostLogin' | 'onContinuePostLogin';

export interface RecordedCall {
  action: string;
  method: string;
  args: unknown[];
}

/** Everything a login asked for, across all its Actions. */
export interface Effects {
  user: User;
  idTokenClaims: Record<string, JsonValue>;
  accessTokenClaims: Record<string, JsonValue>;
  scopesAdded: string[];
  scopesRemoved: string[];
  appMetadataWrites: MetadataWrites;
  userMetadataWrites: MetadataWrites;
  /** What this step (the login up to now, or since the last /continue) persisted: what to save. */
  persistedWrites: { app_metadata: MetadataWrites; user_metadata: MetadataWrites };
  primaryUserId?: string;
  multifactor?: { provider: MultifactorProvider; allowRememberBrowser?: boolean };
  transactionMetadata: Record<string, TransactionMetadataValue>;
  /** challengeWith/enrollWith, session/refreshToken/SAML/validation/rules calls, in order. */
  calls: RecordedCall[];
  logs: { action: string; message: string }[];
  executed: { action: string; handler: Handler }[];
}

export interface Denial {
  /** OAuth error the application receives. */
  error: 'access_denied' | 'interaction_required' | 'invalid_request';
  /** `error_description`: user-visible. */
  reason: string;
}

/** State shared by every Action of one login (both sides of a redirect). */
export class Transaction {
  readonly effects: Effects;
  /** The user as later Actions see it: persisted state plus writes of Actions that completed. */
  visibleUser: User;
  denial?: Denial;
  private readonly pending = { app: {} as MetadataWrites, user: {} as MetadataWrites };
  private primaryUserSet = false;

  constructor(
    readonly event: Event,
    readonly now: () => number,
  ) {
    this.visibleUser = copyData(event.user);
    this.effects = {
      user: copyData(event.user),
      idTokenClaims: {},
      accessTokenClaims: {},
      scopesAdded: [],
      scopesRemoved: [],
      appMetadataWrites: {},
      userMetadataWrites: {},
      persistedWrites: { app_metadata: {}, user_metadata: {} },
      transactionMetadata: { ...event.transaction?.metadata },
      calls: [],
      logs: [],
      executed: [],
    };
  }

  get canRedirect(): boolean {
    const protocol = this.event.transaction?.protocol;
    const promptNone =
      this.event.transaction?.prompt?.includes('none') || this.event.request.query['prompt'] === 'none';
    return !(protocol && NON_INTERACTIVE_PROTOCOLS.has(protocol)) && !promptNone;
  }

  /** Writes of a completed Action become visible to the Actions after it. */
  commit(execution: ActionExecution): void {
    for (const kind of ['app', 'user'] as const) {
      if (kind === 'user' && execution.setsPrimaryUser) continue;
      const writes = execution.metadataWrites[kind];
      assignOwn(this.pending[kind], writes);
      applyWrites(kind === 'app' ? this.visibleUser.app_metadata : this.visibleUser.user_metadata, writes);
    }
  }

  /** Auth0 persists batched metadata at the end of the trigger and just before a redirect. */
  persist(): void {
    applyWrites(this.effects.user.app_metadata, this.pending.app);
    applyWrites(this.effects.user.user_metadata, this.pending.user);
    assignOwn(this.effects.appMetadataWrites, this.pending.app);
    assignOwn(this.effects.userMetadataWrites, this.pending.user);
    this.effects.persistedWrites = { app_metadata: this.pending.app, user_metadata: this.pending.user };
    this.pending.app = {};
    this.pending.user = {};
  }

  sessionWrites(kind: 'app' | 'user'): MetadataWrites {
    return {
      ...(kind === 'app' ? this.effects.appMetadataWrites : this.effects.userMetadataWrites),
      ...this.pending[kind],
    };
  }

  claimPrimaryUser(): void {
    if (this.primaryUserSet) throw new Error('setPrimaryUser can only be called once per transaction');
    this.primaryUserSet = true;
  }
}

/** Object.assign, except that a `__proto__` key stays a key (see setOwn). */
function assignOwn(target: MetadataWrites, writes: MetadataWrites): void {
  for (const key of Object.keys(writes)) setOwn(target, key, writes[key]);
}

function applyWrites(target: JsonObject, writes: MetadataWrites): void {
  for (const [key, value] of Object.entries(writes)) {
    if (value === null) delete target[key];
    else setOwn(target, key, structuredClone(value));
  }
}

/** One run of one handler of one Action. */
export class ActionExecution {
  readonly metadataWrites = { app: {} as MetadataWrites, user: {} as MetadataWrites };
  redirect?: { url: string };
  /** Auth0 discards the user metadata an Action sets, before or after, when it calls setPrimaryUser. */
  setsPrimaryUser = false;
  render?: { formId: string; fields?: Record<string, unknown>; vars?: Record<string, unknown> };
  private logChars = 0;

  constructor(
    readonly action: string,
    readonly handler: Handler,
    readonly continueRequest?: { state: string; query: Record<string, unknown>; body: Record<string, unknown> },
  ) {}

  /** Auth0 keeps 256 characters of console output per Action. */
  log(tx: Transaction, message: string): void {
    const room = LIMITS.logCharsPerAction - this.logChars;
    if (room <= 0) return;
    const kept = message.slice(0, room);
    this.logChars += kept.length;
    tx.effects.logs.push({ action: this.action, message: kept });
  }
}

const jsonBytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');

function assertMetadataKeys(value: JsonValue | undefined, path: string): void {
  if (value === null || typeof value !== 'object') return;
  for (const [key, child] of Object.entries(value)) {
    if (key.includes('.') || key.includes('$'))
      throw new Error(`Invalid metadata field name "${path}${key}": names cannot contain "." or "$"`);
    assertMetadataKeys(child, `${path}${key}.`);
  }
}

function assertScope(scope: string): void {
  if (typeof scope !== 'string' || scope.length === 0 || /\s/.test(scope) || scope.length > LIMITS.scopeChars) {
    throw new Error(
      `Invalid scope "${String(scope).slice(0, 40)}": non-empty, no whitespace, at most ${LIMITS.scopeChars} characters`,
    );
  }
}

/** Namespaced claims on Auth0's own domains are dropped like restricted ones. */
function isIgnoredClaim(name: string): boolean {
  if (RESTRICTED_CLAIMS.has(name)) return true;
  if (!/^https?:\/\//.test(name)) return false;
  try {
    const host = new URL(name).hostname;
    return /(^|\.)(auth0\.com|webtask\.io|webtask\.run)$/.test(host);
  } catch {
    return false;
  }
}

/** `event` is the one this execution's Action received: transaction metadata shows in it at once, as on Auth0. */
export function createApi(tx: Transaction, exec: ActionExecution, cache: CacheStore, event: Event): API {
  const record = (method: string, args: unknown[]): void => {
    tx.effects.calls.push({ action: exec.action, method, args });
  };

  const setClaim = (target: Record<string, JsonValue>, name: string, value: ClaimValue): void => {
    if (name === 'scope')
      throw new Error('Cannot set the "scope" claim with setCustomClaim: use api.accessToken.addScope/removeScope');
    if (typeof name !== 'string' || name.length === 0) throw new TypeError('Claim name must be a non-empty string');
    if (isIgnoredClaim(name)) return;
    if (value === undefined) delete target[name];
    else setOwn(target, name, structuredClone(value));
  };

  const setMetadata = (kind: 'app' | 'user', key: string, value: JsonValue | undefined): void => {
    if (typeof key !== 'string' || key.length === 0) throw new TypeError('Metadata key must be a non-empty string');
    if (key.includes('.') || key.includes('$'))
      throw new Error(`Invalid metadata field name "${key}": names cannot contain "." or "$"`);
    if (kind === 'app' && RESERVED_APP_METADATA_NAMES.has(key))
      throw new Error(`"${key}" is a reserved app_metadata name`);
    const stored = value === undefined ? null : value;
    assertMetadataKeys(stored, `${key}.`);
    const session = { ...tx.sessionWrites(kind), ...exec.metadataWrites[kind], [key]: stored };
    if (jsonBytes(session) > LIMITS.metadataBytesPerSession) {
      throw new Error(`${kind}_metadata writes exceed ${LIMITS.metadataBytesPerSession / 1024} kB in this session`);
    }
    setOwn(exec.metadataWrites[kind], key, structuredClone(stored));
  };

  const api: API = {
    access: {
      deny(reason) {
        // The first denial wins; the Action still runs to its end.
        tx.denial ??= { error: 'access_denied', reason: String(reason) };
        return api;
      },
    },
    accessToken: {
      setCustomClaim(name, value) {
        setClaim(tx.effects.accessTokenClaims, name, value);
        return api;
      },
      addScope(scope) {
        assertScope(scope);
        tx.effects.scopesRemoved = tx.effects.scopesRemoved.filter((s) => s !== scope);
        if (!tx.effects.scopesAdded.includes(scope)) tx.effects.scopesAdded.push(scope);
      },
      removeScope(scope) {
        assertScope(scope);
        tx.effects.scopesAdded = tx.effects.scopesAdded.filter((s) => s !== scope);
        if (!tx.effects.scopesRemoved.includes(scope)) tx.effects.scopesRemoved.push(scope);
      },
    },
    idToken: {
      setCustomClaim(name, value) {
        setClaim(tx.effects.idTokenClaims, name, value);
        return api;
      },
    },
    user: {
      setAppMetadata(key, value) {
        setMetadata('app', key, value);
        return api;
      },
      setUserMetadata(key, value) {
        setMetadata('user', key, value);
        return api;
      },
    },
    redirect: {
      encodeToken({ secret, payload, expiresInSeconds = 900 }) {
        return encodeSessionToken({
          secret,
          payload,
          expiresInSeconds,
          subject: tx.event.user.user_id,
          issuer: tx.event.request.hostname ?? 'localhost',
          ip: tx.event.request.ip,
          nowMs: tx.now(),
        });
      },
      sendUserTo(url, options = {}) {
        if (exec.render) throw new Error('Cannot redirect and render a form in the same Action');
        const target = new URL(url); // throws TypeError on an invalid URL, as Auth0 does
        for (const [key, value] of Object.entries(options.query ?? {})) target.searchParams.set(key, String(value));
        exec.redirect = { url: target.toString() };
        return api;
      },
      validateToken({ secret, tokenParameterName = 'session_token' }) {
        const request = exec.continueRequest;
        if (!request) throw new Error('validateToken can only be used in onContinuePostLogin');
        const token = request.body[tokenParameterName] ?? request.query[tokenParameterName];
        if (typeof token !== 'string' || token.length === 0)
          throw new Error(
            `The session token is invalid: no "${tokenParameterName}" parameter in the /continue request`,
          );
        return validateSessionToken({
          token,
          secret,
          state: request.state,
          subject: tx.event.user.user_id,
          nowMs: tx.now(),
        });
      },
      canRedirect() {
        return tx.canRedirect;
      },
    },
    authentication: {
      setPrimaryUser(primaryUserId) {
        if (
          typeof primaryUserId !== 'string' ||
          primaryUserId.length === 0 ||
          primaryUserId.length > LIMITS.primaryUserIdChars
        ) {
          throw new Error(
            `setPrimaryUser: the user id must be a non-empty string of at most ${LIMITS.primaryUserIdChars} characters`,
          );
        }
        tx.claimPrimaryUser();
        tx.effects.primaryUserId = primaryUserId;
        exec.setsPrimaryUser = true;
      },
      recordMethod(providerUrl) {
        if (exec.handler !== 'onContinuePostLogin')
          throw new Error('recordMethod can only be called in onContinuePostLogin');
        const url = new URL(providerUrl);
        tx.effects.calls.push({ action: exec.action, method: 'authentication.recordMethod', args: [url.toString()] });
        return api;
      },
      challengeWith(factor: FactorSelector, options) {
        record('authentication.challengeWith', [factor, options]);
      },
      challengeWithAny(factors) {
        record('authentication.challengeWithAny', [factors]);
      },
      enrollWith(factor, options) {
        record('authentication.enrollWith', [factor, options]);
      },
      enrollWithAny(factors) {
        record('authentication.enrollWithAny', [factors]);
      },
    },
    multifactor: {
      enable(provider, options = {}) {
        tx.effects.multifactor = {
          provider,
          ...(options.allowRememberBrowser === undefined ? {} : { allowRememberBrowser: options.allowRememberBrowser }),
        };
        return api;
      },
    },
    cache: {
      get: (key) => cache.get(key),
      set: (key, value, options) => cache.set(key, value, options),
      delete: (key) => cache.delete(key),
    },
    prompt: {
      render(formId, options = {}) {
        if (exec.render) throw new Error('Only one form can be rendered per Action');
        if (exec.redirect) throw new Error('Cannot redirect and render a form in the same Action');
        exec.render = { formId, ...options };
      },
    },
    transaction: {
      setMetadata(key, value) {
        const L = LIMITS.transactionMetadata;
        if (typeof key !== 'string' || key.length === 0 || key.length > L.keyChars)
          throw new Error(`Transaction metadata keys are 1 to ${L.keyChars} characters`);
        if (value === null) {
          const { [key]: _removed, ...rest } = tx.effects.transactionMetadata;
          tx.effects.transactionMetadata = rest;
          if (event.transaction) event.transaction.metadata = { ...rest };
          return;
        }
        if (!['string', 'number', 'boolean'].includes(typeof value))
          throw new TypeError('Transaction metadata values are strings, numbers, booleans or null');
        if (jsonBytes(value) > L.valueBytes)
          throw new Error(`Transaction metadata values are at most ${L.valueBytes / 1024} KB`);
        const next = { ...tx.effects.transactionMetadata, [key]: value };
        if (jsonBytes(next) > L.totalBytes)
          throw new Error(`Transaction metadata is at most ${L.totalBytes / 1024} KB in total`);
        tx.effects.transactionMetadata = next;
        if (event.transaction) event.transaction.metadata = { ...next };
      },
    },
    session: {
      setExpiresAt(epochMs) {
        record('session.setExpiresAt', [epochMs]);
      },
      setIdleExpiresAt(epochMs) {
        record('session.setIdleExpiresAt', [epochMs]);
      },
      revoke(reason, options) {
        record('session.revoke', [reason, options]);
      },
      setCookieMode(mode) {
        if (mode !== 'persistent' && mode !== 'non-persistent')
          throw new TypeError('session.setCookieMode: the mode is "persistent" or "non-persistent"');
        record('session.setCookieMode', [mode]);
      },
      setMetadata(key, value) {
        record('session.setMetadata', [key, value]);
      },
      deleteMetadata(key) {
        record('session.deleteMetadata', [key]);
      },
      evictMetadata() {
        record('session.evictMetadata', []);
      },
    },
    refreshToken: {
      setExpiresAt(epochMs) {
        record('refreshToken.setExpiresAt', [epochMs]);
      },
      setIdleExpiresAt(epochMs) {
        record('refreshToken.setIdleExpiresAt', [epochMs]);
      },
      revoke(reason) {
        record('refreshToken.revoke', [reason]);
      },
      setMetadata(key, value) {
        record('refreshToken.setMetadata', [key, value]);
      },
      deleteMetadata(key) {
        record('refreshToken.deleteMetadata', [key]);
      },
      evictMetadata() {
        record('refreshToken.evictMetadata', []);
      },
    },
    samlResponse: new SamlResponseApi(record),
    validation: {
      error(code, message) {
        record('validation.error', [code, message]);
        return api;
      },
    },
    rules: {
      wasExecuted(ruleId) {
        record('rules.wasExecuted', [ruleId]);
        return false;
      },
    },
  };
  return api;
}

type SamlResponseMethods = API['samlResponse'];
type SamlSetter = Exclude<keyof SamlResponseMethods, 'setAttribute'>;
type Recorder = (method: string, args: unknown[]) => void;

const isString = (value: unknown): boolean => typeof value === 'string';
const isBoolean = (value: unknown): boolean => typeof value === 'boolean';
const oneOf =
  (...allowed: string[]) =>
  (value: unknown): boolean =>
    typeof value === 'string' && allowed.includes(value);
const isSamlScalar = (value: unknown): boolean => ['string', 'number', 'boolean'].includes(typeof value);

/** What each SAML setter accepts; Auth0 refuses anything else. */
const SAML_SETTERS: Record<SamlSetter, (value: unknown) => boolean> = {
  setAudience: isString,
  setIssuer: isString,
  setRecipient: isString,
  setDestination: isString,
  setRelayState: isString,
  setNameIdentifierFormat: isString,
  setAuthnContextClassRef: isString,
  setSigningCert: isString,
  setEncryptionCert: isString,
  setEncryptionPublicKey: isString,
  setCert: isString,
  setKey: isString,
  setLifetimeInSeconds: (value) => Number.isInteger(value) && (value as number) > 0,
  setNameIdentifierProbes: (value) => Array.isArray(value) && value.every(isString),
  setCreateUpnClaim: isBoolean,
  setPassthroughClaimsWithNoMapping: isBoolean,
  setMapUnknownClaimsAsIs: isBoolean,
  setMapIdentities: isBoolean,
  setSignResponse: isBoolean,
  setIncludeAttributeNameFormat: isBoolean,
  setTypedAttributes: isBoolean,
  setSignatureAlgorithm: oneOf('rsa-sha256', 'rsa-sha1'),
  setDigestAlgorithm: oneOf('sha256', 'sha1'),
  setEncryptionAlgorithm: oneOf('aes256-gcm', 'aes256-cbc'),
};

/**
 * `api.samlResponse`: records each setting. A class, so building the api for every Action
 * execution costs one allocation, not two dozen closures.
 */
class SamlResponseApi implements SamlResponseMethods {
  readonly #record: Recorder;
  constructor(record: Recorder) {
    this.#record = record;
  }

  setAttribute(attribute: string, value: SamlAttributeValue): void {
    if (typeof attribute !== 'string' || attribute === '')
      throw new TypeError('samlResponse.setAttribute: the attribute is a non-empty string');
    if (value !== null && !isSamlScalar(value) && !(Array.isArray(value) && value.every(isSamlScalar))) {
      throw new TypeError('samlResponse.setAttribute: values are strings, numbers, booleans, arrays of those, or null');
    }
    this.#record('samlResponse.setAttribute', [attribute, value]);
  }

  setAudience(value: string): void {
    this.#set('setAudience', value);
  }
  setIssuer(value: string): void {
    this.#set('setIssuer', value);
  }
  setRecipient(value: string): void {
    this.#set('setRecipient', value);
  }
  setDestination(value: string): void {
    this.#set('setDestination', value);
  }
  setRelayState(value: string): void {
    this.#set('setRelayState', value);
  }
  setLifetimeInSeconds(value: number): void {
    this.#set('setLifetimeInSeconds', value);
  }
  setNameIdentifierFormat(value: string): void {
    this.#set('setNameIdentifierFormat', value);
  }
  setNameIdentifierProbes(value: string[]): void {
    this.#set('setNameIdentifierProbes', value);
  }
  setAuthnContextClassRef(value: string): void {
    this.#set('setAuthnContextClassRef', value);
  }
  setCreateUpnClaim(value: boolean): void {
    this.#set('setCreateUpnClaim', value);
  }
  setPassthroughClaimsWithNoMapping(value: boolean): void {
    this.#set('setPassthroughClaimsWithNoMapping', value);
  }
  setMapUnknownClaimsAsIs(value: boolean): void {
    this.#set('setMapUnknownClaimsAsIs', value);
  }
  setMapIdentities(value: boolean): void {
    this.#set('setMapIdentities', value);
  }
  setSignResponse(value: boolean): void {
    this.#set('setSignResponse', value);
  }
  setIncludeAttributeNameFormat(value: boolean): void {
    this.#set('setIncludeAttributeNameFormat', value);
  }
  setTypedAttributes(value: boolean): void {
    this.#set('setTypedAttributes', value);
  }
  setSignatureAlgorithm(value: 'rsa-sha256' | 'rsa-sha1'): void {
    this.#set('setSignatureAlgorithm', value);
  }
  setDigestAlgorithm(value: 'sha256' | 'sha1'): void {
    this.#set('setDigestAlgorithm', value);
  }
  setEncryptionAlgorithm(value: 'aes256-gcm' | 'aes256-cbc'): void {
    this.#set('setEncryptionAlgorithm', value);
  }
  setSigningCert(value: string): void {
    this.#set('setSigningCert', value);
  }
  setEncryptionCert(value: string): void {
    this.#set('setEncryptionCert', value);
  }
  setEncryptionPublicKey(value: string): void {
    this.#set('setEncryptionPublicKey', value);
  }
  setCert(value: string): void {
    this.#set('setCert', value);
  }
  setKey(value: string): void {
    this.#set('setKey', value);
  }

  #set(method: SamlSetter, value: unknown): void {
    if (!SAML_SETTERS[method](value)) throw new TypeError(`samlResponse.${method}: invalid value`);
    this.#record(`samlResponse.${method}`, [value]);
  }
}
