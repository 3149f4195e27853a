import { isLosslessNumber, stringify } from 'lossless-json';
import { RecordProblem } from './recordProblem.js';

/**
 * The fields of a generation record the import reads, by their snake_case name, with the
 * camelCase spelling other exports use. Both are accepted; a record that gives both with
 * different values is refused rather than guessed at.
 */
export const GENERATION_FIELDS = {
  id: 'id',
  created_at: 'createdAt',
  model: 'model',
  provider_name: 'providerName',
  is_byok: 'isByok',
  total_cost: 'totalCost',
  upstream_inference_cost: 'upstreamInferenceCost',
  cancelled: 'cancelled',
  external_user: 'externalUser',
} as const;

export type GenerationField = keyof typeof GENERATION_FIELDS;

/** A field's value and the name it was found under (errors name the field as the record spells it). */
export interface FieldValue {
  readonly name: string;
  /** `null` is kept: a JSON null is present but empty, which some fields allow. */
  readonly value: unknown;
}

export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isLosslessNumber(value);
}

/**
 * Exports that wrap each record as `{"data": {...}}` (the generation API's response
 * shape) are unwrapped one level; a record that has its own `id` is never unwrapped.
 */
export function unwrapRecord(value: unknown): JsonObject {
  if (!isJsonObject(value)) throw new RecordProblem(`a generation record must be a JSON object, not ${describeJson(value)}`);
  if (!Object.hasOwn(value, 'id') && Object.hasOwn(value, 'data') && isJsonObject(value.data)) return value.data;
  return value;
}

/** Reads one field under either spelling; undefined when the record has neither. */
export function readField(record: JsonObject, field: GenerationField): FieldValue | undefined {
  const camel = GENERATION_FIELDS[field];
  const snakeHere = Object.hasOwn(record, field);
  const camelHere = camel !== field && Object.hasOwn(record, camel);
  if (snakeHere && camelHere && stringify(record[field]) !== stringify(record[camel])) {
    throw new RecordProblem(`both ${field} and ${camel} are given, with different values`, field);
  }
  if (snakeHere) return { name: field, value: record[field] };
  if (camelHere) return { name: camel, value: record[camel] };
  return undefined;
}

/** A short description of a JSON value's kind for error messages. */
export function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (isLosslessNumber(value)) return `the number ${value.value}`;
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return String(value);
}
