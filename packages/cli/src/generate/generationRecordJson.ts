import { GENERATION_FIELDS, type GenerationField } from '../import/recordFields.js';
import type { Money } from '@byok-billing/core';
import { type GatewayNumberDialect, gatewayNumberText } from './gatewayNumberText.js';

/**
 * How one record is written: the naming style of its fields, whether it is wrapped as
 * the generation API's response (`{"data": {...}}`), and the number dialect of its
 * amounts. Drawn per record, independently of what the record says, so an importer is
 * exercised on every combination within one export.
 */
export interface RecordShape {
  readonly naming: 'snake_case' | 'camelCase';
  readonly wrapped: boolean;
  readonly dialect: GatewayNumberDialect;
}

/** What a generation record holds, its amounts still exact. */
export interface GenerationRecordFields {
  readonly id: string;
  readonly createdAt: string;
  readonly model: string;
  readonly provider: string;
  readonly isByok: boolean;
  /** `total_cost`: what the gateway charged (for BYOK, its fee). */
  readonly totalCost: Money;
  /** `upstream_inference_cost`: the provider's cost on the customer's key; null when not BYOK. */
  readonly upstreamInferenceCost: Money | null;
  readonly cancelled: boolean;
  readonly externalUser: string;
}

/** Field names as each naming style writes them: the import's own table, so the two cannot drift apart. */
const CAMEL: Readonly<Record<GenerationField, string>> = GENERATION_FIELDS;
const SNAKE = Object.fromEntries(Object.keys(GENERATION_FIELDS).map((field) => [field, field])) as Readonly<Record<GenerationField, string>>;

/**
 * One record as a line of JSON (no line end), fields in the order the generation API
 * returns them. Amounts are written from their exact digits in the shape's dialect; text
 * goes through JSON.stringify, so any model or user name is escaped correctly.
 *
 * @example
 * generationRecordJson(fields, { naming: 'camelCase', wrapped: true, dialect: 'python' })
 * //=> '{"data":{"id":"gen-…","createdAt":"2025-11-02T09:41:57.000031+01:00",…,"totalCost":0.0,"upstreamInferenceCost":2.5e-05,…}}'
 */
export function generationRecordJson(fields: GenerationRecordFields, shape: RecordShape): string {
  const n = shape.naming === 'camelCase' ? CAMEL : SNAKE;
  const upstream = fields.upstreamInferenceCost === null ? 'null' : gatewayNumberText(fields.upstreamInferenceCost, shape.dialect);
  const body =
    `{"id":${JSON.stringify(fields.id)},"${n.created_at}":${JSON.stringify(fields.createdAt)},"model":${quoted(fields.model)},` +
    `"${n.provider_name}":${quoted(fields.provider)},"${n.is_byok}":${fields.isByok},` +
    `"${n.total_cost}":${gatewayNumberText(fields.totalCost, shape.dialect)},"${n.upstream_inference_cost}":${upstream},` +
    `"cancelled":${fields.cancelled},"${n.external_user}":${quoted(fields.externalUser)}}`;
  return shape.wrapped ? `{"data":${body}}` : body;
}

/** JSON strings of the few names a month repeats a million times (models, providers, users), made once. */
const QUOTED = new Map<string, string>();
const MAX_QUOTED = 10_000;

function quoted(text: string): string {
  let json = QUOTED.get(text);
  if (json === undefined) {
    json = JSON.stringify(text);
    if (QUOTED.size < MAX_QUOTED) QUOTED.set(text, json);
  }
  return json;
}
