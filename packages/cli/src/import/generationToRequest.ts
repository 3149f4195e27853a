import { ByokError, type Instant, MAX_MONEY_FRACTION_DIGITS, type Money, parseMoney, parseTimestamp } from '@byok-billing/core';
import { isLosslessNumber } from 'lossless-json';
import { type FieldValue, type GenerationField, type JsonObject, describeJson, readField, unwrapRecord } from './recordFields.js';
import { jsonNumberToDecimal } from './jsonNumberToDecimal.js';
import { RecordProblem } from './recordProblem.js';

/** The route an imported request is written with (FORMATS.md `route`). */
export type ImportedRoute = 'byok' | 'platform' | 'failed';

/** One generation record as a request-log row, with what sorting and duplicate checks need. */
export interface ImportedRequest {
  readonly requestId: string;
  /** `created_at` exactly as the record wrote it (it carries its offset and microseconds). */
  readonly timestamp: string;
  readonly instant: Instant;
  readonly userId: string;
  readonly orgId: string;
  readonly model: string;
  readonly provider: string;
  /** The list cost: the provider's cost for a BYOK request, the platform charge otherwise. */
  readonly cost: Money;
  readonly route: ImportedRoute;
  /** What the gateway charged: `total_cost`. */
  readonly charged: Money;
}

export interface ImportScope {
  /** --user: the user of every record (else each record's external_user). */
  readonly user?: string | undefined;
  /** --org: the organization of every record (else none: an individual's usage). */
  readonly org?: string | undefined;
}

/**
 * Reads one generation record (either naming style, maybe wrapped as `{"data": …}`) into
 * a request, or throws a RecordProblem naming the field.
 *
 * The route: a cancelled record becomes `failed` (POLICY.md D2: only requests served
 * through the key count toward the allowance, and a cancelled generation was not served),
 * but keeps what it was charged, so a charge on it shows in the audit instead of being
 * dropped here. Otherwise `is_byok` decides between `byok` and `platform`.
 */
export function generationToRequest(value: unknown, scope: ImportScope): ImportedRequest {
  const record = unwrapRecord(value);
  const requestId = requiredString(record, 'id').value;
  const created = requiredString(record, 'created_at');
  const instant = readTimestamp(created);
  const isByok = requiredBoolean(record, 'is_byok');
  const cancelled = optionalBoolean(record, 'cancelled') ?? false;
  const charged = requiredMoney(record, 'total_cost');
  // For BYOK the gateway's total_cost is only its fee; the list cost the policy's 5% is
  // taken of is what the provider billed on the customer's key.
  const cost = isByok ? requiredMoney(record, 'upstream_inference_cost') : charged;
  const userId = scope.user ?? optionalString(record, 'external_user');
  if (userId === undefined || userId === '') {
    throw new RecordProblem('the record has no external_user and no --user was given: name the user with --user ID', 'external_user');
  }
  return {
    requestId,
    timestamp: created.value,
    instant,
    userId,
    orgId: scope.org ?? '',
    model: optionalString(record, 'model') ?? '',
    provider: optionalString(record, 'provider_name') ?? '',
    cost,
    route: cancelled ? 'failed' : isByok ? 'byok' : 'platform',
    charged,
  };
}

function present(record: JsonObject, field: GenerationField): FieldValue {
  const found = readField(record, field);
  if (found === undefined) throw new RecordProblem(`${field} is missing`, field);
  if (found.value === null) throw new RecordProblem(`${found.name} is null`, found.name);
  return found;
}

function requiredString(record: JsonObject, field: GenerationField): { name: string; value: string } {
  const found = present(record, field);
  if (typeof found.value !== 'string') throw new RecordProblem(`${found.name} must be a string, not ${describeJson(found.value)}`, found.name);
  if (found.value === '') throw new RecordProblem(`${found.name} is empty`, found.name);
  return { name: found.name, value: found.value };
}

function optionalString(record: JsonObject, field: GenerationField): string | undefined {
  const found = readField(record, field);
  if (found === undefined || found.value === null) return undefined;
  if (typeof found.value !== 'string') throw new RecordProblem(`${found.name} must be a string, not ${describeJson(found.value)}`, found.name);
  return found.value;
}

function requiredBoolean(record: JsonObject, field: GenerationField): boolean {
  const found = present(record, field);
  if (typeof found.value !== 'boolean') throw new RecordProblem(`${found.name} must be true or false, not ${describeJson(found.value)}`, found.name);
  return found.value;
}

function optionalBoolean(record: JsonObject, field: GenerationField): boolean | undefined {
  const found = readField(record, field);
  if (found === undefined || found.value === null) return undefined;
  if (typeof found.value !== 'boolean') throw new RecordProblem(`${found.name} must be true or false, not ${describeJson(found.value)}`, found.name);
  return found.value;
}

/**
 * An amount from the number's source text (lossless-json keeps it), or from a string some
 * exports quote amounts in; either way the digits as written, never a JavaScript number.
 */
function requiredMoney(record: JsonObject, field: GenerationField): Money {
  const found = present(record, field);
  let source: string;
  if (isLosslessNumber(found.value)) source = found.value.value;
  else if (typeof found.value === 'string') source = found.value;
  else throw new RecordProblem(`${found.name} must be a number, not ${describeJson(found.value)}`, found.name);
  const plain = jsonNumberToDecimal(source, MAX_MONEY_FRACTION_DIGITS);
  if (!plain.ok) throw new RecordProblem(`${found.name} ${source} ${plain.reason}`, found.name);
  try {
    return parseMoney(plain.text, { field: found.name });
  } catch (error) {
    if (error instanceof ByokError) throw new RecordProblem(error.message, found.name);
    throw error;
  }
}

/**
 * The core reads the instant (offset required, POLICY.md D7; up to nanoseconds kept); the
 * text itself goes into the log unchanged. Epoch numbers are refused here: the export's
 * created_at is an ISO-8601 date-time, and a bare number would be a different field.
 */
function readTimestamp(created: { name: string; value: string }): Instant {
  if (!/^[0-9]{4}-/.test(created.value)) {
    throw new RecordProblem(`${created.name} ${JSON.stringify(created.value)} is not an ISO-8601 date-time like 2024-07-15T23:33:19.433273+00:00`, created.name);
  }
  try {
    return parseTimestamp(created.value);
  } catch (error) {
    if (error instanceof ByokError) throw new RecordProblem(`${created.name}: ${error.message}`, created.name);
    throw error;
  }
}
