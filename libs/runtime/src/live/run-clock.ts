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
 * restarted during the run reads it too. When no replica could commit it (an election under way),
 * it waits up to `commitWaitMs` for a serving leader and tells that one again (the same start:
 * nothing moves on the others). A replica that does not answer, while no leader committed the
 * clock, keeps the time of day it had (counted from its own start); the answers say which.
 */
export async function announceRunClock(
  switchUrls: readonly string[],
  adminToken: string | undefined,
  startedAt: number,
  startTimeOfDay: string,
  wait: { readonly commitWaitMs?: number; readonly pollMs?: number } = {},
): Promise<RunClockAnswer[]> {
  const put = async (url: string): Promise<RunClockAnswer> => {
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
  };
  const answers = await Promise.all(switchUrls.map(put));
  // One node has no log to commit to; a leader that did is enough.
  if (switchUrls.length < 2 || answers.some((a) => a.replicated)) return answers;
  const until = Date.now() + (wait.commitWaitMs ?? 5_000);
  while (Date.now() < until) {
    await new Promise((r) => setTimeout(r, wait.pollMs ?? 200));
    for (let i = 0; i < switchUrls.length; i++) {
      const v = await adminCall('GET', `${switchUrls[i]}/admin/raft`, adminToken);
      const view = v.body as { role?: unknown; serving?: unknown } | undefined;
      if (!v.ok || view?.role !== 'leader' || view.serving !== true) continue;
      const again = await put(switchUrls[i]!);
      if (again.replicated) {
        answers[i] = again;
        return answers;
      }
    }
  }
  return answers;
}
