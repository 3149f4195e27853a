/*
 * Why a replay starts again, and what the next pass does differently. A pass is redone
 * whole (outputs and listeners start afresh), so every row is reported once, in its place.
 */

/** Rows to refuse, by input index and line, with the reason. */
export type Exclusions = ReadonlyMap<number, ReadonlyMap<number, string>>;

/** A row arrived later than the reorder window allows (`late: 'replan'`): bill the input sorted instead. */
export class LateRowReplan extends Error {
  constructor(
    readonly where: string,
    readonly latest: string,
  ) {
    super(`${where} arrives more than the reorder window behind ${latest}`);
    this.name = 'LateRowReplan';
  }
}

/**
 * Rows repeat a request id with other content where the pass could not refuse them in their
 * place (POLICY.md D6: the earliest row of an id is the request): too far apart for the window,
 * or an earlier row met after the one it displaces. The replay runs again refusing them.
 */
export class ConflictReplan extends Error {
  constructor(readonly exclude: Exclusions) {
    super('rows repeat a request id with other content');
    this.name = 'ConflictReplan';
  }
}

/** Collects rows to refuse; `build` gives them for the next pass. */
export class ExclusionsBuilder {
  private readonly byInput = new Map<number, Map<number, string>>();

  /** Adds a row to refuse; a row already there keeps its reason. */
  add(input: number, line: number, reason: string): void {
    if (!this.has(input, line)) this.set(input, line, reason);
  }

  /** Adds a row to refuse, or corrects the reason it has (the row its id's request stands at). */
  set(input: number, line: number, reason: string): void {
    let lines = this.byInput.get(input);
    if (lines === undefined) this.byInput.set(input, (lines = new Map()));
    lines.set(line, reason);
  }

  has(input: number, line: number): boolean {
    return this.byInput.get(input)?.has(line) === true;
  }

  get(input: number, line: number): string | undefined {
    return this.byInput.get(input)?.get(line);
  }

  get size(): number {
    return this.byInput.size;
  }

  /**
   * The rows of `previous` and those added: each pass that starts again refuses more. A row in
   * both takes the reason added here, the later pass's: it knew more rows of the id.
   */
  build(previous?: Exclusions): Exclusions {
    const merged = new ExclusionsBuilder();
    for (const map of [previous, this.byInput]) for (const [input, lines] of map ?? []) for (const [line, reason] of lines) merged.set(input, line, reason);
    return merged.byInput;
  }
}

/** The exclusions of `a` and `b`; a row in both takes its reason from `b`, the later pass. */
export function mergeExclusions(a: Exclusions | undefined, b: Exclusions): Exclusions {
  const builder = new ExclusionsBuilder();
  for (const [input, lines] of b) for (const [line, reason] of lines) builder.set(input, line, reason);
  return builder.build(a);
}
