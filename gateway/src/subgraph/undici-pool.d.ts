/**
 * undici's `Pool` on its own module path (see transport.ts for why). The package has no exports
 * map, so the path is public to Node; this gives it undici's own type.
 */
declare module "undici/lib/dispatcher/pool.js" {
  import { Pool } from "undici";
  export = Pool;
}
