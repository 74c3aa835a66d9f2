import { createHash } from "node:crypto";
import { DEMO_PASSWORD, SEED_EPOCH_MS, SEED_USERS } from "../shared/seed-catalog.ts";
import { hashPassword } from "./passwords.ts";

export interface UserSeedRow {
  id: string;
  email: string;
  name: string;
  roles: string;
  passwordHash: string;
  createdAt: number;
}

/** A salt derived from a label, so seeded hashes are the same on every fresh database. */
const seedSalt = (label: string): Buffer => createHash("sha256").update(`seed-salt:${label}`).digest().subarray(0, 16);

let seedRows: Promise<readonly UserSeedRow[]> | undefined;
let dummyHash: Promise<string> | undefined;

/**
 * The seeded users with scrypt hashes of the demo password. Hashing runs in parallel on the
 * libuv pool and is memoized, so starting several auth servers in one process hashes once.
 */
export function userSeedRows(): Promise<readonly UserSeedRow[]> {
  seedRows ??= Promise.all(
    SEED_USERS.map(async (user) => ({
      id: user.id,
      email: user.email,
      name: user.name,
      roles: JSON.stringify(user.roles),
      passwordHash: await hashPassword(DEMO_PASSWORD, seedSalt(user.id)),
      createdAt: SEED_EPOCH_MS,
    })),
  );
  return seedRows;
}

/** A hash that matches no password: verified against for unknown emails so timing does not tell. */
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(createHash("sha256").update("no-such-user").digest("hex"), seedSalt("dummy"));
  return dummyHash;
}
