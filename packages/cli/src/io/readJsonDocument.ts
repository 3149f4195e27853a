import { parse } from 'lossless-json';
import { InputError, type InputLocation } from './inputError.js';
import { type JsonStructureProblem, findDeepNesting, findJsonStructureProblem } from './jsonStructure.js';
import { lineAndColumn, readTextFile } from './readTextFile.js';

/**
 * How a document's numbers are read. `lossless`: as lossless-json's LosslessNumber, the
 * number's source text, for amounts that must stay exact decimals. `safe`: as JavaScript
 * numbers, for counts and settings; a number a JavaScript number would round is refused.
 */
export type JsonNumbers = 'lossless' | 'safe';

export interface JsonReadOptions {
  readonly numbers: JsonNumbers;
}

/** A JSON input the CLI refuses: exit code 2, naming file, line, column and the JSON path. */
export class JsonInputError extends InputError {
  constructor(
    location: InputLocation,
    reason: string,
    /** `syntax`, `too-deep` (MAX_JSON_DEPTH), or the structural problem (see findJsonStructureProblem). */
    readonly problem: 'syntax' | 'too-deep' | JsonStructureProblem['kind'],
    readonly jsonPath?: string,
  ) {
    super(location, reason);
    this.name = 'JsonInputError';
  }
}

/**
 * How deep arrays and objects may nest in a JSON input document. A policy or manifest nests
 * a handful of levels; far deeper, the parser (recursive) runs out of stack.
 */
export const MAX_JSON_DEPTH = 256;

/**
 * Reads a JSON file: the one way the CLI reads a JSON input document (policies, bundle
 * manifests). Data only, nothing in it is ever executed. A key twice in one object is an
 * error, not "the last one wins": two values for one setting is a document nobody can
 * trust; `__proto__`, `constructor` and `prototype` keys are refused.
 */
export function readJsonDocument(path: string, options: JsonReadOptions): unknown {
  return parseJsonDocument(readTextFile(path), path, options);
}

/** parseJsonDocument's work on text already read; `file` names it in errors. */
export function parseJsonDocument(text: string, file: string, options: JsonReadOptions): unknown {
  const deep = findDeepNesting(text, MAX_JSON_DEPTH);
  if (deep !== undefined) {
    const { line, column } = lineAndColumn(text, deep);
    throw new JsonInputError({ file, line, column }, `arrays and objects nest more than ${MAX_JSON_DEPTH} levels deep`, 'too-deep');
  }
  let value: unknown;
  try {
    // Duplicates are reported below, by position and path: keep the parser quiet about them.
    const onDuplicateKey = ({ oldValue }: { oldValue: unknown }) => oldValue;
    value = parse(text, null, options.numbers === 'safe' ? { parseNumber: Number, onDuplicateKey } : { onDuplicateKey });
  } catch (error) {
    throw syntaxError(text, file, (error as Error).message);
  }
  const problem = findJsonStructureProblem(text, { exactNumbers: options.numbers === 'safe' });
  if (problem !== undefined) {
    const { line, column } = lineAndColumn(text, problem.offset);
    throw new JsonInputError({ file, line, column }, problem.reason, problem.kind, problem.path);
  }
  return value;
}

/** A parser message ("… at position 12") located by line and column. */
function syntaxError(text: string, file: string, message: string): JsonInputError {
  const position = /position (\d+)/.exec(message);
  const where = position === null ? undefined : lineAndColumn(text, Number(position[1]));
  return new JsonInputError({ file, line: where?.line, column: where?.column }, `is not valid JSON (${message})`, 'syntax');
}
