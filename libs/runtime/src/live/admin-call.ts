/** What one admin call came to: never thrown, so a run goes on when a service does not answer. */
export interface AdminAnswer {
  readonly ok: boolean;
  readonly body?: unknown;
  readonly detail?: string;
}

/**
 * One call to a live service's admin API (loopback, bearer token), with a 5 s limit. A connection
 * the service closed before answering (a process that crashes itself) is `detail: 'connection closed'`.
 */
export async function adminCall(
  method: string,
  url: string,
  token: string | undefined,
  body?: object,
): Promise<AdminAnswer> {
  try {
    const r = await fetch(url, {
      method,
      // No content-type without a body: Fastify refuses an empty JSON body.
      headers: {
        ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(5000),
    });
    const text = await r.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    return r.ok ? { ok: true, body: parsed } : { ok: false, detail: `HTTP ${r.status}` };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    if (cause === 'UND_ERR_SOCKET' || cause === 'ECONNRESET')
      return { ok: false, detail: 'connection closed' };
    return { ok: false, detail: err instanceof Error ? err.message : String(err) };
  }
}
