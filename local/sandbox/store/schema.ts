// Ordered migrations; the database's `user_version` records how many have been applied.
// Append only: never edit a migration that has shipped, add a new one.
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );

  CREATE TABLE clients (
    client_id     TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    client_secret TEXT,
    doc           TEXT NOT NULL
  );

  CREATE TABLE resource_servers (
    id         TEXT PRIMARY KEY,
    identifier TEXT NOT NULL UNIQUE,
    is_system  INTEGER NOT NULL DEFAULT 0,
    doc        TEXT NOT NULL
  );

  -- audience follows the resource server's identifier, so moving the Management API to another
  -- port (the sandbox's domain) carries its grants along.
  CREATE TABLE client_grants (
    id        TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients(client_id) ON DELETE CASCADE,
    audience  TEXT NOT NULL REFERENCES resource_servers(identifier) ON UPDATE CASCADE ON DELETE CASCADE,
    doc       TEXT NOT NULL,
    UNIQUE (client_id, audience)
  );

  CREATE TABLE connections (
    id       TEXT PRIMARY KEY,
    name     TEXT NOT NULL UNIQUE,
    strategy TEXT NOT NULL,
    doc      TEXT NOT NULL
  );

  CREATE TABLE connection_clients (
    connection_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    client_id     TEXT NOT NULL REFERENCES clients(client_id) ON DELETE CASCADE,
    PRIMARY KEY (connection_id, client_id)
  );

  CREATE TABLE email_templates (
    template TEXT PRIMARY KEY,
    doc      TEXT NOT NULL
  );

  CREATE TABLE actions (
    id                   TEXT PRIMARY KEY,
    name                 TEXT NOT NULL UNIQUE,
    code                 TEXT NOT NULL,
    runtime              TEXT NOT NULL,
    dependencies         TEXT NOT NULL,
    supported_triggers   TEXT NOT NULL,
    build_ready_at       INTEGER NOT NULL,
    build_error          TEXT,
    all_changes_deployed INTEGER NOT NULL DEFAULT 0,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
  );

  CREATE TABLE action_secrets (
    action_id  TEXT NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (action_id, name)
  );

  -- A deployed snapshot: code, dependencies and secret VALUES as they were at deploy time.
  CREATE TABLE action_versions (
    id                 TEXT PRIMARY KEY,
    action_id          TEXT NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
    number             INTEGER NOT NULL,
    code               TEXT NOT NULL,
    runtime            TEXT NOT NULL,
    dependencies       TEXT NOT NULL,
    secrets            TEXT NOT NULL,
    supported_triggers TEXT NOT NULL,
    deployed           INTEGER NOT NULL,
    created_at         TEXT NOT NULL,
    UNIQUE (action_id, number)
  );

  CREATE TABLE trigger_bindings (
    id           TEXT PRIMARY KEY,
    trigger_id   TEXT NOT NULL,
    position     INTEGER NOT NULL,
    action_id    TEXT NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
    display_name TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    UNIQUE (trigger_id, position)
  );

  CREATE TABLE users (
    user_id        TEXT PRIMARY KEY,
    email          TEXT,
    connection     TEXT NOT NULL,
    email_verified INTEGER NOT NULL DEFAULT 0,
    blocked        INTEGER NOT NULL DEFAULT 0,
    logins_count   INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    last_login     TEXT,
    last_ip        TEXT,
    profile        TEXT NOT NULL,
    app_metadata   TEXT NOT NULL,
    user_metadata  TEXT NOT NULL
  );
  -- Expression index: lookups by email are case-insensitive and must not scan 100k rows.
  CREATE INDEX users_email_lower ON users (lower(email));

  -- Every identity belongs to exactly one user; linking moves a secondary's identities here.
  CREATE TABLE user_identities (
    provider     TEXT NOT NULL,
    identity_id  TEXT NOT NULL,
    user_id      TEXT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    connection   TEXT NOT NULL,
    is_social    INTEGER NOT NULL,
    profile_data TEXT,
    linked_at    TEXT,
    PRIMARY KEY (provider, identity_id)
  );
  CREATE INDEX user_identities_user ON user_identities (user_id);

  -- Sandbox-only: database-connection passwords (scrypt), so the login half can sign users in.
  CREATE TABLE user_credentials (
    provider      TEXT NOT NULL DEFAULT 'auth0',
    identity_id   TEXT NOT NULL,
    connection    TEXT NOT NULL,
    email         TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    PRIMARY KEY (provider, identity_id),
    FOREIGN KEY (provider, identity_id) REFERENCES user_identities(provider, identity_id) ON DELETE CASCADE
  );
  CREATE UNIQUE INDEX user_credentials_email ON user_credentials (connection, lower(email));

  -- Brute-force blocks (what /user-blocks reports and clears); not the same as users.blocked.
  CREATE TABLE user_blocks (
    user_id    TEXT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    identifier TEXT NOT NULL,
    ip         TEXT,
    connection TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE INDEX user_blocks_user ON user_blocks (user_id);
  CREATE INDEX user_blocks_identifier ON user_blocks (lower(identifier));

  CREATE TABLE tickets (
    id         TEXT PRIMARY KEY,
    type       TEXT NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    result_url TEXT,
    expires_at TEXT NOT NULL,
    created_at TEXT NOT NULL
  );

  CREATE TABLE jobs (
    id         TEXT PRIMARY KEY,
    type       TEXT NOT NULL,
    status     TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    client_id  TEXT,
    created_at TEXT NOT NULL
  );
  `,
  `
  -- Ticket links are single-use; options hold what the link does when used.
  ALTER TABLE tickets ADD COLUMN used_at TEXT;
  ALTER TABLE tickets ADD COLUMN options TEXT NOT NULL DEFAULT '{}';

  -- The sandbox's sent emails (local/sandbox/email), newest last; pruned to the latest few thousand.
  CREATE TABLE outbox (
    id         TEXT PRIMARY KEY,
    recipient  TEXT NOT NULL,
    created_at TEXT NOT NULL,
    doc        TEXT NOT NULL
  );
  CREATE INDEX outbox_recipient ON outbox (lower(recipient));
  `,
  `
  -- The tenant's logs (GET /api/v2/logs): what logins, emails and Management API writes leave
  -- behind, with Auth0's event type codes. seq orders them and makes the log_id.
  CREATE TABLE logs (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    log_id  TEXT NOT NULL UNIQUE,
    type    TEXT NOT NULL,
    user_id TEXT,
    doc     TEXT NOT NULL
  );
  CREATE INDEX logs_user ON logs (user_id);
  CREATE INDEX logs_type ON logs (type);
  `,
];
