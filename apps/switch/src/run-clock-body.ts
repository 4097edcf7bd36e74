import { DAY_MS, isTimeOfDay } from '../../../libs/scheduling/src';
import type { TimeOfDayOrigin } from '../../../libs/switch/src';
import { ApiHttpError } from '../../psp/src/api-error';

/** How far `startedAt` may be from the switch's own clock: a value in seconds, or a typo, is refused. */
export const MAX_RUN_CLOCK_SKEW_MS = DAY_MS;

const FIELDS: ReadonlySet<string> = new Set(['startedAt', 'startTimeOfDay']);

/**
 * Reads `PUT /admin/run-clock`'s body, `{ "startedAt": <epoch ms>, "startTimeOfDay": "HH:MM[:SS]" }`,
 * or throws a 400 naming the field. `now` is the switch's clock, to refuse a start more than a day
 * away from it; without `startTimeOfDay` the switch keeps the one it has (its scenario's).
 */
export function parseRunClockBody(body: unknown, now: number, current: string): TimeOfDayOrigin {
  const bad = (code: string, message: string, field: string | null) =>
    new ApiHttpError(400, code, message, field);
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw bad('INVALID_BODY', 'the body must be a JSON object', null);
  const b = body as Record<string, unknown>;
  for (const k of Object.keys(b))
    if (!FIELDS.has(k)) throw bad('UNKNOWN_FIELD', `unknown field ${JSON.stringify(k)}`, k);
  const at = b.startedAt;
  if (at === undefined) throw bad('MISSING_FIELD', 'startedAt is required', 'startedAt');
  if (typeof at !== 'number' || !Number.isFinite(at) || Math.abs(at - now) > MAX_RUN_CLOCK_SKEW_MS)
    throw bad(
      'INVALID_START',
      'startedAt must be epoch milliseconds within a day of the switch clock',
      'startedAt',
    );
  const tod = b.startTimeOfDay ?? current;
  if (!isTimeOfDay(tod))
    throw bad(
      'INVALID_TIME_OF_DAY',
      'startTimeOfDay must be HH:MM or HH:MM:SS (00:00 to 23:59:59)',
      'startTimeOfDay',
    );
  return { clockOrigin: at, startTimeOfDay: tod };
}
