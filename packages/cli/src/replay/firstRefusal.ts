import { InputError } from '../io/inputError.js';
import type { Rejection } from './rowSource.js';

/**
 * Without `--rejects`, a run that refuses any row stops with exit 2 naming one of them: the
 * first refused row in input order (the files in the order given, then lines), whichever plan
 * the replay took and whenever it found the row wanting. A row is sometimes known to be
 * refused only after rows that follow it were read (a row repeating an id whose earlier row
 * comes later in the input), so the replay reads everything first and this picks the row.
 * Requests the policy cannot decide (before its first version) come after every row refused
 * as read, in allowance order, as `--engine duckdb` and the rejects file list them.
 *
 * The cost is a failing run reading its whole input; the gain is one answer for one input,
 * the same from every plan and every engine.
 */
export class FirstRefusal {
  private readonly order = new Map<string, number>();
  private first: { readonly rejection: Rejection; readonly input: number } | undefined;
  private firstUndecided: Rejection | undefined;

  constructor(inputNames: readonly string[]) {
    inputNames.forEach((name, k) => {
      if (!this.order.has(name)) this.order.set(name, k);
    });
  }

  /** Takes a refused row; `decided` when the ledger refused it (in allowance order). */
  readonly reject = (rejection: Rejection, decided = false): void => {
    if (decided) {
      this.firstUndecided ??= rejection;
      return;
    }
    const input = this.order.get(rejection.file) ?? Number.MAX_SAFE_INTEGER;
    const first = this.first;
    if (first === undefined || input < first.input || (input === first.input && rejection.line < first.rejection.line)) this.first = { rejection, input };
  };

  /**
   * A run stopped by bad input that is not a row (a header without the required columns, a
   * truncated gzip): the rows refused before it come first in input order, so the first of
   * them is named instead, as it would be had the input ended there.
   */
  throwIfAnyRead(): void {
    const chosen = this.first?.rejection;
    if (chosen !== undefined) throw new InputError(chosen, chosen.reason);
  }

  /** Stops the run (exit 2) if any row was refused. */
  throwIfAny(): void {
    const chosen = this.first?.rejection ?? this.firstUndecided;
    if (chosen !== undefined) throw new InputError(chosen, chosen.reason);
  }
}
