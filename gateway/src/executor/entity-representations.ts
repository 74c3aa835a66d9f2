/**
 * The representations an entity fetch sends: each entity's, written by the fetch's compiled
 * writer, and only the distinct ones sent (`sent[slot[i]]` answers the i-th). For the usual
 * requirement shape repeated entities are found by a key read from the entity, before anything is
 * written; otherwise every representation is written and compared as JSON. Either way each sent
 * representation is serialized once, and that text becomes the body (request-body.ts).
 */
import { withJsonText } from "../subgraph/request-body.ts";
import type { CompiledFetch } from "./compiled-plan.ts";
import type { RepresentationIndex, RepresentationKey } from "./representations.ts";

export interface Representations {
  /** Index in the entity list of the i-th representation (in @apollo/gateway's numbering). */
  readonly owners: number[];
  /** The distinct ones, as sent; their JSON text rides with the array (request-body.ts). */
  readonly sent: Array<Record<string, unknown>>;
  /** For the i-th representation, its index in `sent`; undefined when all are distinct. */
  readonly slot: number[] | undefined;
}

/** Finds repeated entities by key before writing anything: only distinct representations are written and serialized. */
export function byKey(key: RepresentationKey, write: (entity: unknown) => Record<string, unknown> | null, entities: readonly unknown[]): Representations {
  const index: RepresentationIndex = new Map();
  const owners: number[] = [];
  const slot: number[] = [];
  const sent: Array<Record<string, unknown>> = [];
  let text = "[";
  for (let i = 0; i < entities.length; i++) {
    const at = key.slotOf(index, entities[i], sent.length);
    if (at === null) continue;
    if (at === sent.length) {
      const representation = write(entities[i])!;
      sent.push(representation);
      text += `${at === 0 ? "" : ","}${JSON.stringify(representation)}`;
    }
    owners.push(i);
    slot.push(at);
  }
  return { owners, sent: withJsonText(sent, `${text}]`), slot: sent.length === owners.length ? undefined : slot };
}

/** Writes every entity's representation, then keeps the distinct ones (any requirement shape, rewrites included). */
export function byWriting(fetch: CompiledFetch, entities: readonly unknown[]): Representations {
  const written: Array<Record<string, unknown>> = [];
  const owners: number[] = [];
  for (let i = 0; i < entities.length; i++) {
    const representation = fetch.representation!(entities[i]);
    if (representation && representation.__typename) {
      fetch.inputRewrite?.(representation);
      written.push(representation);
      owners.push(i);
    }
  }
  const seen = new Map<string, number>();
  const sent: Array<Record<string, unknown>> = [];
  const slot = new Array<number>(written.length);
  let text = "[";
  for (let i = 0; i < written.length; i++) {
    const k = JSON.stringify(written[i]);
    let at = seen.get(k);
    if (at === undefined) {
      at = sent.length;
      seen.set(k, at);
      sent.push(written[i]!);
      text += at === 0 ? k : `,${k}`;
    }
    slot[i] = at;
  }
  const distinct = sent.length === written.length;
  return { owners, sent: withJsonText(distinct ? written : sent, `${text}]`), slot: distinct ? undefined : slot };
}
