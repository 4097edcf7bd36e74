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

/** The run's start as the switch replicas are told it. */
export interface RunClockAnnouncement {
  readonly switchUrls: readonly string[];
  readonly adminToken: string | undefined;
  readonly startedAt: number;
  readonly startTimeOfDay: string;
}

async function putRunClock(a: RunClockAnnouncement, url: string): Promise<RunClockAnswer> {
  const r = await adminCall('PUT', `${url}/admin/run-clock`, a.adminToken, {
    startedAt: a.startedAt,
    startTimeOfDay: a.startTimeOfDay,
  });
  const body = r.body as { timeOfDayNow?: unknown; replicated?: unknown } | undefined;
  const now = body?.timeOfDayNow;
  return {
    url,
    ok: r.ok,
    ...(typeof now === 'string' ? { timeOfDayNow: now } : {}),
    ...(typeof body?.replicated === 'boolean' ? { replicated: body.replicated } : {}),
    ...(r.detail !== undefined ? { detail: r.detail } : {}),
  };
}

/**
 * Tells every switch replica when the run started and at which time of day (`PUT /admin/run-clock`):
 * the switch processes were started before the run, and NPCI's hold on system-initiated traffic
 * follows the run's time of day, not theirs. The leader commits it to the Raft log, so a replica
 * restarted during the run reads it too (see `untilCommitted` when none could). A replica that does
 * not answer keeps the time of day it had (counted from its own start); the answers say which.
 */
export function announceRunClock(a: RunClockAnnouncement): Promise<RunClockAnswer[]> {
  return Promise.all(a.switchUrls.map((url) => putRunClock(a, url)));
}

/**
 * When no replica could commit the announced clock (an election under way, a leader still catching
 * up), waits up to `commitWaitMs` for a serving leader and tells it again — the same start, so
 * nothing moves on the others. Runs beside the load (the arrivals do not wait for it); returns the
 * answers with the leader's, or as they were when none came.
 */
export async function untilCommitted(
  a: RunClockAnnouncement,
  answers: readonly RunClockAnswer[],
  wait: { readonly commitWaitMs?: number; readonly pollMs?: number } = {},
): Promise<RunClockAnswer[]> {
  const out = [...answers];
  // One node has no log to commit to; a leader that did is enough.
  if (a.switchUrls.length < 2 || out.some((x) => x.replicated)) return out;
  const until = Date.now() + (wait.commitWaitMs ?? 5_000);
  while (Date.now() < until) {
    await new Promise((r) => setTimeout(r, wait.pollMs ?? 200));
    for (let i = 0; i < a.switchUrls.length; i++) {
      const v = await adminCall('GET', `${a.switchUrls[i]}/admin/raft`, a.adminToken);
      const view = v.body as { role?: unknown; serving?: unknown } | undefined;
      if (!v.ok || view?.role !== 'leader' || view.serving !== true) continue;
      const again = await putRunClock(a, a.switchUrls[i]!);
      if (again.replicated) {
        out[i] = again;
        return out;
      }
    }
  }
  return out;
}
