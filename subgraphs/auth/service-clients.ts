import { createHash } from "node:crypto";
import type { Db } from "../shared/db.ts";
import { SEED_EPOCH_MS, SEED_SERVICE_CLIENTS, serviceClientSecret } from "../shared/seed-catalog.ts";
import { hashPassword, verifyPassword } from "./passwords.ts";

export interface ServiceClientRecord {
  clientId: string;
  scopes: string[];
}

export interface ServiceClientSeedRow {
  clientId: string;
  secretHash: string;
  scopes: string;
  createdAt: number;
}

type ClientRow = { client_id: string; secret_hash: string; scopes: string };

let dummyHash: Promise<string> | undefined;
let seedRows: Promise<ServiceClientSeedRow[]> | undefined;

/** Verified against for unknown client ids, so the answer's timing does not tell which exist. */
const dummySecretHash = (): Promise<string> =>
  (dummyHash ??= hashPassword(createHash("sha256").update("no-such-client").digest("hex")));

/**
 * The seeded clients with scrypt hashes of their secrets (random salts: nothing needs them
 * identical), memoized per process like the users' hashes.
 */
export function serviceClientSeedRows(): Promise<ServiceClientSeedRow[]> {
  return (seedRows ??= Promise.all(
    SEED_SERVICE_CLIENTS.map(async (client) => ({
      clientId: client.clientId,
      secretHash: await hashPassword(serviceClientSecret(client.clientId)!),
      scopes: JSON.stringify(client.scopes),
      createdAt: SEED_EPOCH_MS,
    })),
  ));
}

/** The service_clients table: who may use the client-credentials grant, and for which scopes. */
export class ServiceClientRepository {
  readonly #byId;

  constructor(db: Db) {
    this.#byId = db.prepare<[string], ClientRow>("SELECT client_id, secret_hash, scopes FROM service_clients WHERE client_id = ?");
  }

  /** The client, when the id exists and the secret matches its hash; one scrypt either way. */
  async authenticate(clientId: string, secret: string): Promise<ServiceClientRecord | undefined> {
    const row = this.#byId.get(clientId);
    const matches = await verifyPassword(secret, row?.secret_hash ?? (await dummySecretHash()));
    return row && matches ? { clientId: row.client_id, scopes: JSON.parse(row.scopes) as string[] } : undefined;
  }
}
