import { PolicyValidationError } from '../errors.js';
import { child } from './jsonPath.js';

/**
 * Small readers for untrusted JSON documents. Each checks one value at a JSON path and
 * throws a `PolicyValidationError` naming that path. Keys that could pollute prototypes
 * are refused outright, and objects are read into fresh ones, never merged as given.
 */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export type JsonObject = Readonly<Record<string, unknown>>;

export function readObject(value: unknown, path: string, allowedKeys: readonly string[]): JsonObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new PolicyValidationError(path, `must be an object, got ${describe(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) throw new PolicyValidationError(child(path, key), 'this key is not allowed');
    if (!allowedKeys.includes(key)) {
      throw new PolicyValidationError(child(path, key), `unknown key; expected one of ${allowedKeys.join(', ')}`);
    }
  }
  return value as JsonObject;
}

export function readArray(value: unknown, path: string): readonly unknown[] {
  if (!Array.isArray(value)) throw new PolicyValidationError(path, `must be an array, got ${describe(value)}`);
  return value;
}

export function readString(value: unknown, path: string, options: { nonEmpty?: boolean } = {}): string {
  if (typeof value !== 'string') throw new PolicyValidationError(path, `must be a string, got ${describe(value)}`);
  if (options.nonEmpty && value.length === 0) throw new PolicyValidationError(path, 'must not be empty');
  return value;
}

export function readEnum<T extends string>(value: unknown, path: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw new PolicyValidationError(path, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${describe(value)}`);
  }
  return value as T;
}

export function readInteger(value: unknown, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new PolicyValidationError(path, `must be an integer from ${min} to ${max}, got ${describe(value)}`);
  }
  return value;
}

export function readBoolean(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') throw new PolicyValidationError(path, `must be true or false, got ${describe(value)}`);
  return value;
}

export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${typeof value} ${text.slice(0, 37)}...` : `${typeof value} ${text}`;
}
