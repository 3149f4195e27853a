import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SCOPE_MODES, isScope, scopeOf } from '@byok-billing/core';

describe('scopeOf', () => {
  it('lists the two scope modes, org first (the default)', () => {
    expect(SCOPE_MODES).toEqual(['org', 'user']);
  });

  it('an org request draws on the org pool by default (POLICY.md D3)', () => {
    expect(scopeOf({ userId: 'u1', orgId: 'acme' })).toBe('org:acme');
    expect(scopeOf({ userId: 'u1', orgId: 'acme' }, 'org')).toBe('org:acme');
  });

  it('an individual (no org, or an empty org) draws on their own allowance', () => {
    expect(scopeOf({ userId: 'u1' })).toBe('user:u1');
    expect(scopeOf({ userId: 'u1', orgId: undefined })).toBe('user:u1');
    expect(scopeOf({ userId: 'u1', orgId: '' }, 'org')).toBe('user:u1');
  });

  it('in user mode every user has their own allowance, inside orgs too', () => {
    expect(scopeOf({ userId: 'u1', orgId: 'acme' }, 'user')).toBe('user:u1');
    expect(scopeOf({ userId: 'u1' }, 'user')).toBe('user:u1');
  });

  it('keeps ids verbatim (no trimming or case folding)', () => {
    expect(scopeOf({ userId: 'U 1', orgId: 'Acme:EU' })).toBe('org:Acme:EU');
    expect(scopeOf({ userId: 'Ü' })).toBe('user:Ü');
  });

  it('one person has a personal and an org scope in org mode, one scope in user mode', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (userId, orgId) => {
        expect(scopeOf({ userId, orgId })).toBe(`org:${orgId}`);
        expect(scopeOf({ userId })).toBe(`user:${userId}`);
        expect(scopeOf({ userId, orgId }, 'user')).toBe(scopeOf({ userId }, 'user'));
      }),
    );
  });

  it('every scope it makes from a non-empty id is a well-formed scope', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.option(fc.string(), { nil: undefined }), fc.constantFrom(...SCOPE_MODES), (userId, orgId, mode) => {
        expect(isScope(scopeOf({ userId, orgId }, mode))).toBe(true);
      }),
    );
  });
});

describe('isScope', () => {
  it.each(['org:a', 'org:acme', 'user:u', 'user:u1', 'org:org:x', 'user: ', 'org:user:1'])('%j is a scope', (text) => {
    expect(isScope(text)).toBe(true);
  });

  it.each(['', 'org:', 'user:', 'org', 'user', 'org-acme', 'ORG:acme', 'User:u1', 'team:x', ' org:a', 'users:x', 'or:a', 'use:a', ':a'])(
    '%j is not a scope',
    (text) => {
      expect(isScope(text)).toBe(false);
    },
  );

  it('is exactly "org:" or "user:" followed by a non-empty id', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const expected = (text.startsWith('org:') && text.length > 4) || (text.startsWith('user:') && text.length > 5);
        expect(isScope(text)).toBe(expected);
        expect(isScope(`org:${text}`)).toBe(text.length > 0);
        expect(isScope(`user:${text}`)).toBe(text.length > 0);
      }),
    );
  });
});
