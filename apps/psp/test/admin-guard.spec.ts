import type { ExecutionContext } from '@nestjs/common';
import { AdminGuard, isLoopback, tokenMatches } from '../src/admin.guard';
import { ApiHttpError } from '../src/api-error';

function ctx(remoteAddress: string | undefined, authorization?: string): ExecutionContext {
  const req = {
    raw: { socket: { remoteAddress } },
    headers: authorization === undefined ? {} : { authorization },
  };
  return { switchToHttp: () => ({ getRequest: () => req }) } as unknown as ExecutionContext;
}

function statusOf(fn: () => unknown): number | 'allowed' {
  try {
    fn();
    return 'allowed';
  } catch (e) {
    if (e instanceof ApiHttpError) return e.getStatus();
    throw e;
  }
}

describe('isLoopback', () => {
  it.each(['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1'])('%s is loopback', (a) =>
    expect(isLoopback(a)).toBe(true),
  );
  it.each(['10.0.0.1', '192.168.1.5', '::ffff:10.0.0.1', 'fe80::1', '1270.0.0.1', '', undefined])(
    '%s is not',
    (a) => expect(isLoopback(a)).toBe(false),
  );
});

describe('AdminGuard', () => {
  const guard = new AdminGuard('s3cret');

  it('allows a loopback peer with the right bearer token', () => {
    expect(statusOf(() => guard.canActivate(ctx('127.0.0.1', 'Bearer s3cret')))).toBe('allowed');
    expect(statusOf(() => guard.canActivate(ctx('::1', 'Bearer s3cret')))).toBe('allowed');
  });

  it('refuses other peers with 403 even with the right token', () => {
    expect(statusOf(() => guard.canActivate(ctx('10.1.2.3', 'Bearer s3cret')))).toBe(403);
    expect(statusOf(() => guard.canActivate(ctx(undefined, 'Bearer s3cret')))).toBe(403);
  });

  it('answers 401 to a missing, malformed or wrong token', () => {
    for (const auth of [
      undefined,
      '',
      's3cret',
      'Bearer',
      'Bearer s3cre',
      'Bearer s3cret ',
      'bearer s3cret',
      'Basic s3cret',
    ]) {
      expect(statusOf(() => guard.canActivate(ctx('127.0.0.1', auth)))).toBe(401);
    }
  });

  it('answers 401 to everyone when no token is configured', () => {
    const off = new AdminGuard(undefined);
    expect(statusOf(() => off.canActivate(ctx('127.0.0.1', 'Bearer ')))).toBe(401);
    expect(statusOf(() => off.canActivate(ctx('127.0.0.1', 'Bearer undefined')))).toBe(401);
    expect(statusOf(() => new AdminGuard('').canActivate(ctx('127.0.0.1', 'Bearer ')))).toBe(401);
  });

  it('tokenMatches compares exactly', () => {
    expect(tokenMatches('abc', 'abc')).toBe(true);
    expect(tokenMatches('abc', 'abd')).toBe(false);
    expect(tokenMatches('abc', 'abcd')).toBe(false);
  });
});
