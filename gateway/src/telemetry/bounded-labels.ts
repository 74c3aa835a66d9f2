/**
 * Bounded label values: a client chooses operation names (and a subgraph chooses error codes),
 * so every value that reaches a metric label passes through here. Configured values always keep
 * their own label; after that the first `cap` values seen do; everything else is `__other__`.
 * The series count of every labelled metric is therefore fixed by configuration, not by traffic.
 */

/** The label for values beyond the configured list and the cap. */
export const OTHER_LABEL = "__other__";
/** The label for an operation without a name (`{ me { id } }`). */
export const ANONYMOUS_OPERATION = "__anonymous__";
/** The label for a request that never became an operation (rejected at the edge, parse error). */
export const NO_OPERATION = "__none__";

/** Longer values are never admitted: a label value is not a place for payloads. */
const maxValueLength = 100;

export class BoundedLabels {
  private readonly admitted: Set<string>;
  private extra = 0;

  constructor(
    configured: readonly string[],
    /** How many values beyond `configured` may be admitted, first seen first. */
    private readonly cap: number,
  ) {
    this.admitted = new Set(configured);
  }

  /** The label value for `value`: itself when configured or admitted, else `__other__`. */
  label(value: string): string {
    if (this.admitted.has(value)) return value;
    if (this.extra >= this.cap || value.length > maxValueLength) return OTHER_LABEL;
    this.admitted.add(value);
    this.extra++;
    return value;
  }
}

/** Operation-name labels: anonymous and absent operations get their own fixed values. */
export class OperationLabels {
  private readonly names: BoundedLabels;

  constructor(configured: readonly string[], cap: number) {
    this.names = new BoundedLabels(configured, cap);
  }

  /** `undefined`: no operation was resolved; `null`: an anonymous operation. */
  label(name: string | null | undefined): string {
    if (name === undefined) return NO_OPERATION;
    if (name === null || name === "") return ANONYMOUS_OPERATION;
    return this.names.label(name);
  }
}
