import defaultPolicyDocument from './default-policy.json' with { type: 'json' };
import { loadPolicy } from './loadPolicy.js';
import type { Policy } from './policyTypes.js';

/** Deep-freezes plain JSON, so the shared default document cannot be changed by a caller. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

deepFreeze(defaultPolicyDocument);

export { defaultPolicyDocument };

/**
 * The policy of POLICY.md: before 2025-10-01T00:00:00Z every BYOK request pays 5% of
 * its list cost; from then the first 1,000,000 BYOK requests per scope per UTC month
 * are free and 5% applies past them.
 */
export function defaultPolicy(): Policy {
  return loadPolicy(defaultPolicyDocument);
}
