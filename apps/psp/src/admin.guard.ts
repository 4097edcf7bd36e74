import { createHash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiHttpError } from './api-error';
import { ADMIN_TOKEN } from './tokens';

/** Loopback peers only: the whole 127.0.0.0/8, ::1 and IPv4-mapped loopback. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return address === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** Compares through fixed-length digests so neither length nor content leaks through timing. */
export function tokenMatches(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * Admin routes: only from this machine (403 otherwise, checked first so the token cannot be probed
 * from outside; the live stack also binds the admin listener to 127.0.0.1), and only with
 * `Authorization: Bearer <adminToken>` (401 otherwise, and always when no token is configured).
 * The peer address is the socket's, never X-Forwarded-For.
 */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(@Inject(ADMIN_TOKEN) private readonly token: string | undefined) {}

  canActivate(ctx: ExecutionContext): boolean {
    const req = ctx.switchToHttp().getRequest<FastifyRequest>();
    if (!isLoopback(req.raw.socket?.remoteAddress)) {
      throw new ApiHttpError(403, 'FORBIDDEN', 'admin routes answer only to loopback clients');
    }
    const header = req.headers.authorization;
    const m = typeof header === 'string' ? /^Bearer ([^\s]+)$/.exec(header) : null;
    if (!this.token || !m || !tokenMatches(m[1]!, this.token)) {
      throw new ApiHttpError(401, 'UNAUTHORIZED', 'a valid admin bearer token is required', 'Authorization');
    }
    return true;
  }
}
