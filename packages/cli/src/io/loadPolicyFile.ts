import { type Policy, PolicyValidationError, defaultPolicy, loadPolicy } from '@byok-billing/core';
import { InputError } from './inputError.js';
import { locateJsonPath } from './jsonPathLocation.js';
import { parseJsonDocument } from './readJsonDocument.js';
import { lineAndColumn, readTextFile } from './readTextFile.js';

/**
 * Reads a policy document. The file is JSON data only (read as readJsonDocument reads it, validated
 * by the core): nothing in it is ever executed. Syntax errors and duplicate keys name line
 * and column; validation errors name the line and column of the value at fault (or of the
 * object missing it) and its JSON path. Its numbers (allowance, scale) are counts, read as
 * JavaScript numbers and refused when they would be rounded.
 */
export function loadPolicyFile(path: string | undefined): Policy {
  if (path === undefined) return defaultPolicy();
  const text = readTextFile(path);
  const document = parseJsonDocument(text, path, { numbers: 'safe' });
  try {
    return loadPolicy(document);
  } catch (error) {
    if (!(error instanceof PolicyValidationError)) throw error;
    const { line, column } = lineAndColumn(text, locateJsonPath(text, error.path));
    throw new InputError({ file: path, line, column }, `invalid policy at ${error.message}`);
  }
}
