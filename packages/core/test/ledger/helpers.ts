import {
  type Policy,
  type UsageRequest,
  defaultPolicyDocument,
  loadPolicy,
  parseMoney,
  parseTimestamp,
} from '@byok-billing/core';

/** Fields of a test request, with money and time as the text a log carries. */
export interface RequestFields {
  readonly userId?: string;
  readonly orgId?: string;
  readonly cost?: string;
  readonly keyResult?: UsageRequest['keyResult'];
  readonly platformResult?: UsageRequest['platformResult'];
  readonly recordedRoute?: UsageRequest['recordedRoute'];
  readonly charged?: string;
  readonly model?: string;
  readonly provider?: string;
}

/**
 * A request of the log. Defaults: user `u1`, no org, cost `0.01`, key `ok`
 * (a BYOK request under every failover mode but credits-first).
 */
export function req(requestId: string, timestamp: string, fields: RequestFields = {}): UsageRequest {
  const keyResult = 'keyResult' in fields ? fields.keyResult : fields.recordedRoute === undefined ? 'ok' : undefined;
  return {
    requestId,
    instant: parseTimestamp(timestamp),
    userId: fields.userId ?? 'u1',
    orgId: fields.orgId,
    model: fields.model,
    provider: fields.provider,
    cost: parseMoney(fields.cost ?? '0.01'),
    keyResult,
    platformResult: fields.platformResult,
    recordedRoute: fields.recordedRoute,
    charged: fields.charged === undefined ? undefined : parseMoney(fields.charged),
  };
}

/** A variant of the default policy document: root parameters overridden (the allowance applies from 2025-10). */
export function policyVariant(parameters: Record<string, unknown>): Policy {
  const document = structuredClone(defaultPolicyDocument) as { parameters: Record<string, unknown> };
  Object.assign(document.parameters, parameters);
  return loadPolicy(document);
}
