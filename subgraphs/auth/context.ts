import type DataLoader from "dataloader";
import type { RequestContext } from "../shared/context.ts";
import { keyedLoader } from "../shared/loaders.ts";
import type { UserRecord, UserRepository } from "./users.ts";

export interface AuthLoaders {
  userById: DataLoader<string, UserRecord | null>;
}

export interface AuthContext extends RequestContext {
  loaders: AuthLoaders;
}

/** Loaders are built per request so one caller's cache never answers another's. */
export function createAuthLoaders(users: UserRepository): AuthLoaders {
  return { userById: keyedLoader((ids) => users.byIds(ids), (user) => user.id) };
}
