import { type Policy, PolicyValidationError, defaultPolicy, loadPolicy } from '@byok-billing/core';
import { InputError } from './inputError.js';
import { lineAndColumn, readTextFile } from './readTextFile.js';

/**
 * Reads a policy document. The file is JSON data only (parsed with JSON.parse, validated
 * by the core): nothing in it is ever executed. Syntax errors name line and column;
 * validation errors name the JSON path of the problem.
 */
export function loadPolicyFile(path: string | undefined): Policy {
  if (path === undefined) return defaultPolicy();
  const text = readTextFile(path);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message);
    const where = position ? lineAndColumn(text, Number(position[1])) : undefined;
    throw new InputError({ file: path, line: where?.line, column: where?.column }, `is not valid JSON (${message})`);
  }
  try {
    return loadPolicy(document);
  } catch (error) {
    if (error instanceof PolicyValidationError) throw new InputError({ file: path }, `invalid policy at ${error.message}`);
    throw error;
  }
}
