import type { Migration } from "../shared/db.ts";
import type { UserSeedRow } from "./seed.ts";
import type { ServiceClientSeedRow } from "./service-clients.ts";

/** The auth database's history: tables, the seeded users, then the services' OAuth clients. */
export function authMigrations(seedUsers: readonly UserSeedRow[], seedClients: readonly ServiceClientSeedRow[]): Migration[] {
  return [
    {
      name: "create tables",
      sql: `
        CREATE TABLE users (
          id TEXT PRIMARY KEY,
          email TEXT NOT NULL UNIQUE,
          name TEXT NOT NULL,
          roles TEXT NOT NULL,            -- JSON array
          password_hash TEXT NOT NULL,
          created_at INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE signing_keys (
          kid TEXT PRIMARY KEY,
          alg TEXT NOT NULL,
          private_jwk TEXT NOT NULL,
          public_jwk TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          retire_at INTEGER                -- NULL while it is the signing key
        ) STRICT;
        CREATE TABLE refresh_tokens (
          token_hash TEXT PRIMARY KEY,     -- SHA-256 of the token; the token itself is never stored
          family_id TEXT NOT NULL,
          user_id TEXT NOT NULL REFERENCES users(id),
          created_at INTEGER NOT NULL,
          expires_at INTEGER NOT NULL,
          used_at INTEGER,
          revoked_at INTEGER
        ) STRICT;
        CREATE INDEX refresh_tokens_family ON refresh_tokens(family_id);
        CREATE INDEX refresh_tokens_expiry ON refresh_tokens(expires_at);
      `,
    },
    {
      name: "seed users",
      run: (db) => {
        const insert = db.prepare(
          "INSERT INTO users (id, email, name, roles, password_hash, created_at) VALUES (@id, @email, @name, @roles, @passwordHash, @createdAt)",
        );
        for (const user of seedUsers) insert.run(user);
      },
    },
      {
      name: "service clients",
      sql: `
        CREATE TABLE service_clients (
          client_id TEXT PRIMARY KEY,
          secret_hash TEXT NOT NULL,       -- scrypt, as passwords; the secret itself is never stored
          scopes TEXT NOT NULL,            -- JSON array: the most a token of this client may carry
          created_at INTEGER NOT NULL
        ) STRICT;
      `,
      run: (db) => {
        const insert = db.prepare(
          "INSERT INTO service_clients (client_id, secret_hash, scopes, created_at) VALUES (@clientId, @secretHash, @scopes, @createdAt)",
        );
        for (const client of seedClients) insert.run(client);
      },
    },
    {
      // Delivery also tells orders when the goods left and arrived (orders:record-delivery): a
      // database seeded before that gets the seeded clients' scopes as they are now.
      name: "service client scopes",
      run: (db) => {
        const update = db.prepare("UPDATE service_clients SET scopes = @scopes WHERE client_id = @clientId");
        for (const client of seedClients) update.run({ clientId: client.clientId, scopes: client.scopes });
      },
    },
  ];
}
