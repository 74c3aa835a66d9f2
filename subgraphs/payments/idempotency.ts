import { badInput } from "../shared/errors.ts";

const MAX_KEY_LENGTH = 255;

/**
 * The effective idempotency key: the argument, or the `Idempotency-Key` header a gateway may
 * forward when the argument is empty. Both present and different is a client bug worth
 * reporting rather than guessing which one was meant.
 */
export function resolveIdempotencyKey(argument: string, header: string | string[] | undefined): string {
  const fromArgument = argument.trim();
  const fromHeader = (Array.isArray(header) ? header[0] : header)?.trim() ?? "";
  if (fromArgument && fromHeader && fromArgument !== fromHeader) {
    throw badInput("The idempotencyKey argument and the Idempotency-Key header differ", { argumentName: "idempotencyKey" });
  }
  const key = fromArgument || fromHeader;
  if (!key) throw badInput("An idempotency key is required", { argumentName: "idempotencyKey" });
  if (key.length > MAX_KEY_LENGTH) throw badInput(`The idempotency key is longer than ${MAX_KEY_LENGTH} characters`);
  return key;
}
