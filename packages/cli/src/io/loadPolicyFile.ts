import { type Policy, PolicyValidationError, defaultPolicy, loadPolicy } from '@byok-billing/core';
import { InputError } from './inputError.js';
import { readJsonDocument } from './readJsonDocument.js';

/**
 * Reads a policy document. The file is JSON data only (read by readJsonDocument, validated
 * by the core): nothing in it is ever executed. Syntax errors and duplicate keys name line
 * and column; validation errors name the JSON path of the problem. Its numbers (allowance,
 * scale) are counts, read as JavaScript numbers and refused when they would be rounded.
 */
export function loadPolicyFile(path: string | undefined): Policy {
  if (path === undefined) return defaultPolicy();
  const document = readJsonDocument(path, { numbers: 'safe' });
  try {
    return loadPolicy(document);
  } catch (error) {
    if (error instanceof PolicyValidationError) throw new InputError({ file: path }, `invalid policy at ${error.message}`);
    throw error;
  }
}
