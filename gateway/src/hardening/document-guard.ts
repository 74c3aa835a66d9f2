/**
 * A scan of the document text before it is parsed: graphql-js parses recursively, so a document
 * of thousands of nested braces or brackets overflows the stack before the token limit is
 * reached, and the client would read "Maximum call stack size exceeded". One linear pass over
 * the characters (strings, block strings and comments skipped) finds the deepest nesting and
 * stops at the limit.
 */

/** Deepest `{`, `(` or `[` nesting accepted; far above any legitimate operation (maxDepth is 15 by default). */
export const MAX_DOCUMENT_NESTING = 128;

/** The nesting depth of the document text, or `limit + 1` as soon as it is passed. */
export function documentNesting(text: string, limit = MAX_DOCUMENT_NESTING): number {
  let depth = 0;
  let deepest = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x23 /* # */) {
      while (i < n && text.charCodeAt(i) !== 0x0a && text.charCodeAt(i) !== 0x0d) i++;
    } else if (c === 0x22 /* " */) {
      if (text.startsWith('"""', i)) {
        const end = findBlockStringEnd(text, i + 3);
        i = end === -1 ? n : end + 2;
      } else {
        i++;
        while (i < n) {
          const d = text.charCodeAt(i);
          if (d === 0x5c /* \ */) i += 2;
          else if (d === 0x22 || d === 0x0a || d === 0x0d) break;
          else i++;
        }
      }
    } else if (c === 0x7b || c === 0x28 || c === 0x5b) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (c === 0x7d || c === 0x29 || c === 0x5d) {
      if (depth > 0) depth--;
    }
  }
  return deepest;
}

function findBlockStringEnd(text: string, from: number): number {
  let i = from;
  for (;;) {
    const end = text.indexOf('"""', i);
    if (end === -1) return -1;
    if (text.charCodeAt(end - 1) !== 0x5c) return end;
    i = end + 3;
  }
}
