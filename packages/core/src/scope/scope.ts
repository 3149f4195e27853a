/**
 * Whose allowance a request draws on (POLICY.md D3): `org` (default) gives an org's
 * members one pool, `org:<org_id>`, and individuals their own, `user:<user_id>`;
 * `user` gives every user their own allowance, inside orgs too (a what-if alternative),
 * so one person's personal and org requests then share `user:<user_id>`.
 */
export const SCOPE_MODES = ['org', 'user'] as const;
export type ScopeMode = (typeof SCOPE_MODES)[number];

/** `org:<id>` or `user:<id>`. */
export type Scope = string;

/**
 * @example
 * scopeOf({ userId: 'u1', orgId: 'acme' }, 'org')  //=> 'org:acme'
 * scopeOf({ userId: 'u1', orgId: '' }, 'org')      //=> 'user:u1'
 * scopeOf({ userId: 'u1', orgId: 'acme' }, 'user') //=> 'user:u1'
 */
export function scopeOf(request: { readonly userId: string; readonly orgId?: string | undefined }, mode: ScopeMode = 'org'): Scope {
  return mode === 'org' && request.orgId ? `org:${request.orgId}` : `user:${request.userId}`;
}

/**
 * Whose keys serve a request, and so whose account's failover mode routes it: the org for
 * a request made under one, the user otherwise. That is the request's scope under mode
 * `org`, whatever the version's scope mode: pooling allowances per user does not change
 * routing (README, "Decisions this project takes").
 *
 * @example
 * keyOwnerOf({ userId: 'u1', orgId: 'acme' }) //=> 'org:acme'
 * keyOwnerOf({ userId: 'u1', orgId: '' })     //=> 'user:u1'
 */
export function keyOwnerOf(request: { readonly userId: string; readonly orgId?: string | undefined }): Scope {
  return scopeOf(request, 'org');
}

/** Whether text is a well-formed scope: `org:` or `user:` followed by a non-empty id. */
export function isScope(text: string): boolean {
  return (text.startsWith('org:') && text.length > 4) || (text.startsWith('user:') && text.length > 5);
}
