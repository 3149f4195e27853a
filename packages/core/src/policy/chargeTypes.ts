/**
 * What a request is charged: nothing, the BYOK fee (fee rate × list cost), or the list
 * cost itself (platform credits, POLICY.md F8).
 */
export const CHARGE_KINDS = ['none', 'fee', 'list'] as const;
export type ChargeKind = (typeof CHARGE_KINDS)[number];

/** The params of a charge rule's event. */
export interface ChargeParams {
  readonly charge: ChargeKind;
}

export interface ChargeDecision extends ChargeParams {
  readonly rule: string;
}
