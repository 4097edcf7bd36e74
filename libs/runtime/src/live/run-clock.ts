import { adminCall } from './admin-call';

/** One switch replica's answer to the run's start. */
export interface RunClockAnswer {
  readonly url: string;
  readonly ok: boolean;
  /** The time of day its system-traffic gate reads once told ('HH:MM:SS'). */
  readonly timeOfDayNow?: string;
  /** True from the leader once the clock is in the Raft log (replicas restarted later read it too). */
  readonly replicated?: boolean;
  readonly detail?: string;
}

/**
 * Tells every switch replica when the run started and at which time of day (`PUT /admin/run-clock`):
 * the switch processes were started before the run, and NPCI's hold on system-initiated traffic
 * follows the run's time of day, not theirs. The leader commits it to the Raft log, so a replica
 * restarted during the run reads it too. A replica that does not answer, while no leader committed
 * the clock, keeps the time of day it had (counted from its own start); the answers say which.
 */
export async function announceRunClock(
  switchUrls: readonly string[],
  adminToken: string | undefined,
  startedAt: number,
  startTimeOfDay: string,
): Promise<RunClockAnswer[]> {
  return Promise.all(
    switchUrls.map(async (url) => {
      const r = await adminCall('PUT', `${url}/admin/run-clock`, adminToken, { startedAt, startTimeOfDay });
      const body = r.body as { timeOfDayNow?: unknown; replicated?: unknown } | undefined;
      const now = body?.timeOfDayNow;
      return {
        url,
        ok: r.ok,
        ...(typeof now === 'string' ? { timeOfDayNow: now } : {}),
        ...(typeof body?.replicated === 'boolean' ? { replicated: body.replicated } : {}),
        ...(r.detail !== undefined ? { detail: r.detail } : {}),
      };
    }),
  );
}
