import {
  AuthenticationClient,
  ManagementClient,
  ManagementError,
  ManagementTimeoutError,
  type Management,
} from 'auth0';
import { CommandError } from './errors';
import {
  parseUser,
  parseUserBlocks,
  type Identity,
  type JsonObject,
  type JsonValue,
  type User,
  type UserBlock,
} from './model';
import { readRateHeaders, retryDelay } from '../rate-headers';
import { RateGate } from './rate';

/**
 * The Management API calls this tool makes, typed and validated. Commands depend on this
 * interface only; the SDK implementation below is the one the CLI uses.
 */
export interface UsersApi {
  /** undefined when there is no such user (404). */
  getUser(userId: string): Promise<User | undefined>;
  usersByEmail(email: string): Promise<User[]>;
  /** Auth0 merges top-level metadata keys; `null` deletes a key. Never send `{}` (it clears). */
  updateUser(userId: string, patch: UserPatch): Promise<User>;
  deleteUser(userId: string): Promise<void>;
  userBlocks(userId: string): Promise<UserBlock[]>;
  clearUserBlocks(userId: string): Promise<void>;
  sendVerificationEmail(userId: string): Promise<{ jobId: string }>;
  passwordChangeTicket(userId: string, options?: TicketOptions): Promise<{ ticket: string }>;
  /** Auth0 sends its reset_email to that email of a database connection (Authentication API `/dbconnections/change_password`). */
  sendPasswordResetEmail(request: { clientId: string; connection: string; email: string }): Promise<void>;
  link(primaryUserId: string, secondary: { provider: string; user_id: string }): Promise<Identity[]>;
  unlink(primaryUserId: string, provider: string, identityId: string): Promise<Identity[]>;
  clientExists(clientId: string): Promise<boolean>;
  /** Everything of one kind the tenant holds about a user (paged through, up to `MAX_LISTED`). */
  userRecords(kind: UserRecordKind, userId: string): Promise<UserRecords>;
  /** Revokes every session, refresh token or grant of a user; a user already gone is not an error. */
  revoke(kind: Revocable, userId: string): Promise<void>;
  /** Starts a users export job (`POST /jobs/users-exports`). */
  startUsersExport(request: Management.CreateExportUsersRequestContent): Promise<{ jobId: string }>;
  /** Starts a users import job (`POST /jobs/users-imports`) with a JSON file of users. */
  startUsersImport(file: Buffer, connectionId: string, upsert: boolean): Promise<{ jobId: string }>;
  /** What a users import job could not import (`GET /jobs/{id}/errors`). */
  jobErrors(jobId: string): Promise<JsonValue[]>;
  /** The id of the connection of that name; undefined when there is none. */
  connectionId(name: string): Promise<string | undefined>;
  /** A job's state (`GET /jobs/{id}`). */
  job(jobId: string): Promise<JobState>;
  /** One page of a user search (Lucene, search engine v3). */
  searchUsers(query: string, page: number, perPage: number): Promise<{ users: User[]; total: number }>;
}

/** What an access export reads besides the user, each through its own endpoint. */
export const USER_RECORD_KINDS = [
  'logs',
  'sessions',
  'refresh_tokens',
  'grants',
  'authentication_methods',
  'enrollments',
  'roles',
  'permissions',
  'organizations',
] as const;
export type UserRecordKind = (typeof USER_RECORD_KINDS)[number];
export type Revocable = 'sessions' | 'refresh_tokens' | 'grants';

export interface JobState {
  status: string;
  summary?: { inserted: number; updated: number; failed: number; total: number };
  percentageDone?: number;
  timeLeftSeconds?: number;
  /** The file, once the job is completed. */
  location?: string;
}

export interface UserRecords {
  records: JsonValue[];
  /** More exist than the API lets one read (logs: the first 1,000). */
  truncated: boolean;
}

/** Per list, at most: Auth0's search and log endpoints reach the first 1,000 results. */
export const MAX_LISTED = 1000;
const PER_PAGE = 100;

export interface TicketOptions {
  /** Lifetime of the link in seconds (Auth0's default: 5 days). */
  ttlSec?: number;
  /** Where the user lands after the change (Classic Universal Login). */
  resultUrl?: string;
}

/** The fields this tool changes, as the SDK types them; metadata as JSON objects. */
export type UserPatch = Pick<
  Management.UpdateUserRequestContent,
  'blocked' | 'email' | 'name' | 'given_name' | 'family_name' | 'nickname' | 'picture' | 'username' | 'phone_number'
> & { app_metadata?: JsonObject; user_metadata?: JsonObject };

export type Credentials = { clientId: string; clientSecret: string } | { accessToken: string };

export interface ApiTarget {
  /** `host` or `host:port`, as in AUTH0_DOMAIN. */
  domain: string;
  credentials: Credentials;
}

/** Retries of one request after a 429 before the item is given up (and left for a resume). */
const MAX_THROTTLED_RETRIES = 20;
/** Retries of an idempotent request after a 5xx or a network error. */
const MAX_ERROR_RETRIES = 3;
const TIMEOUT_SECONDS = 30;
const TOKEN_RETRIES = 5;
const TOKEN_LEEWAY_MS = 10_000;

type Answer = { rawResponse: { headers: Headers } };
type Call<T> = () => Promise<{ data: T } & Answer>;

/** A page the SDK can fetch the next one of (core.Page). */
interface Paged<T> extends Answer {
  data: T[];
  hasNextPage(): boolean;
  getNextPage(): Promise<Paged<T>>;
}

export class SdkUsersApi implements UsersApi {
  private constructor(
    private readonly sdk: ManagementClient,
    private readonly gate: RateGate,
    private readonly domain: string,
  ) {}

  /** Gets a token first, so bad credentials or an unreachable tenant fail before any work. */
  static async connect(target: ApiTarget, gate: RateGate): Promise<SdkUsersApi> {
    const token = await tokenSupplier(target);
    const sdk = new ManagementClient({
      domain: target.domain,
      token,
      // Retries are ours (call() below): the SDK's would go out without waiting for the shared
      // rate gate, and the gate would never see the 429s they absorb.
      maxRetries: 0,
      timeoutInSeconds: TIMEOUT_SECONDS,
      telemetry: true,
      clientInfo: { name: 'auth0-profile-actions/users' },
    });
    return new SdkUsersApi(sdk, gate, target.domain);
  }

  async getUser(userId: string): Promise<User | undefined> {
    try {
      return parseUser(await this.call(true, () => this.sdk.users.get(userId).withRawResponse()));
    } catch (error) {
      if (error instanceof NotFound) return undefined;
      throw error;
    }
  }

  async usersByEmail(email: string): Promise<User[]> {
    const list = await this.call(true, () => this.sdk.users.listUsersByEmail({ email }).withRawResponse());
    return list.map(parseUser);
  }

  async updateUser(userId: string, patch: UserPatch): Promise<User> {
    for (const key of ['app_metadata', 'user_metadata'] as const) {
      if (patch[key] && Object.keys(patch[key]).length === 0)
        throw new Error(`refusing to send ${key}: {} (Auth0 would clear it all)`);
    }
    return parseUser(
      await this.call(true, () => this.sdk.users.update(userId, patch).withRawResponse(), unknownUser(userId)),
    );
  }

  async deleteUser(userId: string): Promise<void> {
    await this.call(true, () => this.sdk.users.delete(userId).withRawResponse(), unknownUser(userId));
  }

  async userBlocks(userId: string): Promise<UserBlock[]> {
    return parseUserBlocks(
      await this.call(true, () => this.sdk.userBlocks.list(userId).withRawResponse(), unknownUser(userId)),
    );
  }

  async clearUserBlocks(userId: string): Promise<void> {
    await this.call(true, () => this.sdk.userBlocks.delete(userId).withRawResponse(), unknownUser(userId));
  }

  async sendVerificationEmail(userId: string): Promise<{ jobId: string }> {
    // Not idempotent: a retried 5xx could send the email twice.
    const job = await this.call(
      false,
      () => this.sdk.jobs.verificationEmail.create({ user_id: userId }).withRawResponse(),
      unknownUser(userId),
    );
    return { jobId: String(job.id ?? '') };
  }

  async passwordChangeTicket(userId: string, options: TicketOptions = {}): Promise<{ ticket: string }> {
    const request: Management.ChangePasswordTicketRequestContent = {
      user_id: userId,
      ...(options.ttlSec === undefined ? {} : { ttl_sec: options.ttlSec }),
      ...(options.resultUrl === undefined ? {} : { result_url: options.resultUrl }),
    };
    const result = await this.call(
      false,
      () => this.sdk.tickets.changePassword(request).withRawResponse(),
      unknownUser(userId),
    );
    return { ticket: result.ticket };
  }

  async sendPasswordResetEmail(request: { clientId: string; connection: string; email: string }): Promise<void> {
    // Not retried: Auth0 answers the same whether or not it sent, so a retry could send twice.
    const auth = new AuthenticationClient({
      domain: this.domain,
      clientId: request.clientId,
      timeoutDuration: TIMEOUT_SECONDS * 1000,
    });
    await this.gate.acquire();
    await auth.database.changePassword({ email: request.email, connection: request.connection });
  }

  async link(primaryUserId: string, secondary: { provider: string; user_id: string }): Promise<Identity[]> {
    const body = { provider: secondary.provider as Management.UserIdentityProviderEnum, user_id: secondary.user_id };
    const identities = await this.call(false, () =>
      this.sdk.users.identities.link(primaryUserId, body).withRawResponse(),
    );
    return parseUser({ user_id: primaryUserId, identities }).identities;
  }

  async unlink(primaryUserId: string, provider: string, identityId: string): Promise<Identity[]> {
    const identities = await this.call(true, () =>
      this.sdk.users.identities
        .delete(primaryUserId, provider as Management.UserIdentityProviderEnum, identityId)
        .withRawResponse(),
    );
    return parseUser({ user_id: primaryUserId, identities }).identities;
  }

  async clientExists(clientId: string): Promise<boolean> {
    try {
      await this.call(true, () =>
        this.sdk.clients.get(clientId, { fields: 'client_id', include_fields: true }).withRawResponse(),
      );
      return true;
    } catch (error) {
      if (error instanceof NotFound) return false;
      throw error;
    }
  }

  async userRecords(kind: UserRecordKind, userId: string): Promise<UserRecords> {
    const { users, userGrants } = this.sdk;
    const paging = { page: 0, per_page: PER_PAGE };
    switch (kind) {
      case 'logs':
        return this.allPages(() => users.logs.list(userId, { ...paging, sort: 'date:-1' }));
      case 'sessions':
        return this.allPages(() => users.sessions.list(userId, { take: PER_PAGE }));
      case 'refresh_tokens':
        return this.allPages(() => users.refreshToken.list(userId, { take: PER_PAGE }));
      case 'grants':
        return this.allPages(() => userGrants.list({ ...paging, user_id: userId }));
      case 'authentication_methods':
        return this.allPages(() => users.authenticationMethods.list(userId, paging));
      case 'enrollments':
        return {
          records: toJson(await this.call(true, () => users.enrollments.get(userId).withRawResponse())),
          truncated: false,
        };
      case 'roles':
        return this.allPages(() => users.roles.list(userId, paging));
      case 'permissions':
        return this.allPages(() => users.permissions.list(userId, paging));
      case 'organizations':
        return this.allPages(() => users.organizations.list(userId, paging));
    }
  }

  async revoke(kind: Revocable, userId: string): Promise<void> {
    const request =
      kind === 'sessions'
        ? () => this.sdk.users.sessions.delete(userId).withRawResponse()
        : kind === 'refresh_tokens'
          ? () => this.sdk.users.refreshToken.delete(userId).withRawResponse()
          : () => this.sdk.userGrants.deleteByUserId({ user_id: userId }).withRawResponse();
    try {
      await this.call(true, request);
    } catch (error) {
      if (!(error instanceof NotFound)) throw error;
    }
  }

  async startUsersExport(request: Management.CreateExportUsersRequestContent): Promise<{ jobId: string }> {
    // Not idempotent: a repeated request would start a second job.
    const job = await this.call(false, () => this.sdk.jobs.usersExports.create(request).withRawResponse());
    return { jobId: job.id };
  }

  async connectionId(name: string): Promise<string | undefined> {
    const page = await this.send(true, () =>
      this.sdk.connections.list({ name, fields: 'id,name', include_fields: true }),
    );
    return page.data.find((connection) => connection.name === name)?.id;
  }

  async job(jobId: string): Promise<JobState> {
    const job = await this.call(true, () => this.sdk.jobs.get(jobId).withRawResponse());
    return {
      status: job.status,
      ...(job.percentage_done === undefined ? {} : { percentageDone: job.percentage_done }),
      ...(job.time_left_seconds === undefined ? {} : { timeLeftSeconds: job.time_left_seconds }),
      ...(job.location === undefined ? {} : { location: job.location }),
      ...(job.summary === undefined
        ? {}
        : {
            summary: {
              inserted: job.summary.inserted ?? 0,
              updated: job.summary.updated ?? 0,
              failed: job.summary.failed ?? 0,
              total: job.summary.total ?? 0,
            },
          }),
    };
  }

  async startUsersImport(file: Buffer, connectionId: string, upsert: boolean): Promise<{ jobId: string }> {
    const request: Management.CreateImportUsersRequestContent = {
      users: { data: file, filename: 'users.json', contentType: 'application/json' },
      connection_id: connectionId,
      upsert,
    };
    // Not idempotent: a repeated request would import twice (or fail on duplicates).
    const job = await this.call(false, () => this.sdk.jobs.usersImports.create(request).withRawResponse());
    return { jobId: job.id };
  }

  async jobErrors(jobId: string): Promise<JsonValue[]> {
    const errors = await this.call(true, () => this.sdk.jobs.errors.get(jobId).withRawResponse());
    return errors === undefined ? [] : toJson(errors);
  }

  async searchUsers(query: string, page: number, perPage: number): Promise<{ users: User[]; total: number }> {
    const result = await this.send(true, () =>
      this.sdk.users.list({ q: query, search_engine: 'v3', page, per_page: perPage, include_totals: true }),
    );
    const total =
      typeof result.response === 'object' && result.response !== null && 'total' in result.response
        ? Number(result.response.total)
        : result.data.length;
    return { users: result.data.map(parseUser), total: Number.isFinite(total) ? total : result.data.length };
  }

  /** Pages through a list, each page through the gate, up to MAX_LISTED records. */
  private async allPages<T>(first: () => Promise<Paged<T>>): Promise<UserRecords> {
    let page = await this.send(true, first);
    const records: JsonValue[] = toJson(page.data);
    while (page.hasNextPage() && page.data.length > 0 && records.length < MAX_LISTED) {
      const current = page;
      page = await this.send(true, () => current.getNextPage());
      records.push(...toJson(page.data));
    }
    return {
      records: records.slice(0, MAX_LISTED),
      truncated: records.length > MAX_LISTED || (records.length >= MAX_LISTED && page.hasNextPage()),
    };
  }

  private async call<T>(idempotent: boolean, request: Call<T>, notFound?: CommandError): Promise<T> {
    return (await this.send(idempotent, request, notFound)).data;
  }

  /**
   * One request through the gate: waits its turn, retries 429s after Retry-After (they were not
   * executed), and retries 5xx and network errors only when repeating the request is harmless.
   */
  private async send<R extends Answer>(
    idempotent: boolean,
    request: () => Promise<R>,
    notFound?: CommandError,
  ): Promise<R> {
    let throttled = 0;
    let failed = 0;
    for (;;) {
      await this.gate.acquire();
      try {
        const answer = await request();
        this.gate.succeeded(readRateHeaders(answer.rawResponse.headers));
        return answer;
      } catch (error) {
        const status = statusOf(error);
        if (status === 429) {
          const headers =
            error instanceof ManagementError && error.rawResponse ? readRateHeaders(error.rawResponse.headers) : {};
          this.gate.throttled(retryDelay(headers, throttled));
          throttled += 1;
          if (throttled <= MAX_THROTTLED_RETRIES) continue;
          throw new CommandError(
            'rate_limited',
            `still rate limited after ${MAX_THROTTLED_RETRIES} retries`,
            'lower --rate, or resume later: completed users are not repeated',
          );
        }
        if (status === 404) throw notFound ?? new NotFound();
        // 501: the endpoint does not exist there (a sandbox, a plan without the feature); asking again will not help.
        if (status !== undefined && (status < 500 || status === 501)) throw toCommandError(error, status);
        if (idempotent && failed < MAX_ERROR_RETRIES) {
          failed += 1;
          await this.gate.sleep(500 * 2 ** failed);
          continue;
        }
        throw toCommandError(error, status);
      }
    }
  }
}

async function tokenSupplier(target: ApiTarget): Promise<() => Promise<string>> {
  const { credentials } = target;
  if ('accessToken' in credentials) return async () => credentials.accessToken;
  const provider = new ClientCredentials(
    new AuthenticationClient({
      domain: target.domain,
      clientId: credentials.clientId,
      clientSecret: credentials.clientSecret,
      // A token request the server throttled or failed is repeated: it changes nothing.
      retry: { enabled: true, maxRetries: TOKEN_RETRIES, retryWhen: [429, 500, 502, 503, 504] },
    }),
    `https://${target.domain}/api/v2/`,
  );
  try {
    await provider.token();
  } catch (error) {
    const network = networkReason(error);
    throw new CommandError(
      network ? 'api_unavailable' : 'api_error',
      `could not get a Management API token from ${target.domain}: ${network ?? errorMessage(error)}`,
      network
        ? 'check the domain (--env, AUTH0_DOMAIN) and that the tenant is reachable'
        : 'check AUTH0_CLIENT_ID / AUTH0_CLIENT_SECRET, and that the client is granted the Management API',
    );
  }
  return () => provider.token();
}

/**
 * The SDK's TokenProvider, with the Authentication API client's retries on (TokenProvider's
 * options do not expose them): a cached client-credentials token, renewed shortly before it expires.
 */
class ClientCredentials {
  private cached: { token: string; expiresAt: number } | undefined;
  private pending: Promise<string> | undefined;

  constructor(
    private readonly auth: AuthenticationClient,
    private readonly audience: string,
  ) {}

  token(): Promise<string> {
    if (this.cached && Date.now() < this.cached.expiresAt - TOKEN_LEEWAY_MS) return Promise.resolve(this.cached.token);
    this.pending ??= this.auth.oauth
      .clientCredentialsGrant({ audience: this.audience })
      .then(({ data }) => {
        this.cached = { token: data.access_token, expiresAt: Date.now() + data.expires_in * 1000 };
        return data.access_token;
      })
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }
}

/** A 404 the caller turns into a value (an absent user, an unknown client). */
class NotFound extends Error {}

function unknownUser(userId: string): CommandError {
  return new CommandError(
    'unknown_user',
    `no user ${userId}`,
    'check the id (`users show <email>` finds it); a linked secondary only exists inside its primary',
  );
}

function statusOf(error: unknown): number | undefined {
  return error instanceof ManagementError ? error.statusCode : undefined;
}

/** Turns an SDK failure into a message without request bodies or headers (they hold tokens). */
function toCommandError(error: unknown, status: number | undefined): CommandError {
  const converted = describeFailure(error, status);
  if (status !== undefined) converted.status = status;
  return converted;
}

/** SDK objects as plain JSON (dates become strings, undefined fields disappear). */
function toJson(value: unknown): JsonValue[] {
  const json: unknown = JSON.parse(JSON.stringify(value ?? []));
  return Array.isArray(json) ? (json as JsonValue[]) : [json as JsonValue];
}

function describeFailure(error: unknown, status: number | undefined): CommandError {
  if (error instanceof ManagementTimeoutError) {
    return new CommandError(
      'api_unavailable',
      `no answer within ${TIMEOUT_SECONDS}s`,
      'retry; check the tenant status',
    );
  }
  const body = error instanceof ManagementError ? error.body : undefined;
  const apiMessage = typeof body === 'object' && body !== null && 'message' in body ? String(body.message) : undefined;
  if (status === 401 || status === 403) {
    return new CommandError(
      'api_error',
      `the Management API refused the call (${status}): ${apiMessage ?? 'forbidden'}`,
      'grant the client the scopes read:users, update:users, delete:users, create:user_tickets, read:clients',
    );
  }
  if (status !== undefined && status < 500) {
    return new CommandError(
      'api_error',
      `the Management API refused the request (${status}): ${apiMessage ?? 'no message'}`,
      'see the message',
    );
  }
  if (status !== undefined) {
    return new CommandError(
      'api_unavailable',
      `the Management API failed (${status}): ${apiMessage ?? 'no message'}`,
      'retry later; check the tenant status',
    );
  }
  return new CommandError(
    'api_unavailable',
    `request failed: ${networkReason(error) ?? errorMessage(error)}`,
    'check the domain and your network',
  );
}

/** Names the usual local causes (a sandbox that is not running, an untrusted certificate). */
function networkReason(error: unknown): string | undefined {
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ECONNREFUSED') return 'connection refused (is the tenant, or the sandbox, running?)';
    if (code === 'ENOTFOUND') return 'unknown host';
    if (
      code === 'SELF_SIGNED_CERT_IN_CHAIN' ||
      code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' ||
      code === 'DEPTH_ZERO_SELF_SIGNED_CERT'
    ) {
      return `TLS certificate not trusted (${code}); for the sandbox, NODE_EXTRA_CA_CERTS must name its ca.pem`;
    }
  }
  return undefined;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
