import { adminCall } from './admin-call';

/** One switch replica's answer to the run's start. */
export interface RunClockAnswer {
  readonly url: string;
  readonly ok: boolean;
  /** The time of day its system-traffic gate reads once told ('HH:MM:SS'). */
  readonly timeOfDayNow?: string;
  readonly detail?: string;
}

/**
 * Tells every switch replica when the run started and at which time of day (`PUT /admin/run-clock`):
 * the switch processes were started before the run, and NPCI's hold on system-initiated traffic
 * follows the run's time of day, not theirs. A replica that does not answer keeps the time of day
 * it had (counted from its own start); the answers say which.
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
      const now = (r.body as { timeOfDayNow?: unknown } | undefined)?.timeOfDayNow;
      return {
        url,
        ok: r.ok,
        ...(typeof now === 'string' ? { timeOfDayNow: now } : {}),
        ...(r.detail !== undefined ? { detail: r.detail } : {}),
      };
    }),
  );
}
