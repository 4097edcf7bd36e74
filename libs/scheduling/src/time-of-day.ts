export const DAY_MS = 86_400_000;

/** 'HH:MM' or 'HH:MM:SS' (24 h; '24:00' allowed as a window end) or ms since midnight → ms since midnight. */
export function parseTimeOfDay(x: string | number): number {
  if (typeof x === 'number') {
    if (!Number.isFinite(x) || x < 0 || x > DAY_MS) throw new Error(`time of day out of range: ${x}`);
    return x;
  }
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(x);
  if (!m) throw new Error(`time of day must be HH:MM or HH:MM:SS, got '${x}'`);
  const [h, mi, s] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  const ms = ((h * 60 + mi) * 60 + s) * 1000;
  if (mi > 59 || s > 59 || ms > DAY_MS) throw new Error(`time of day out of range: '${x}'`);
  return ms;
}

/** True for a start of day 'HH:MM' or 'HH:MM:SS' from 00:00 to 23:59:59 (not '24:00', which only ends a window). */
export function isTimeOfDay(x: unknown): x is string {
  try {
    return typeof x === 'string' && parseTimeOfDay(x) < DAY_MS;
  } catch {
    return false;
  }
}

/** Maps the run clock to a time of day: the run started at `startTimeOfDay` when the clock read `clockOrigin`. */
export class RunClockDay {
  private readonly startTod: number;

  constructor(
    startTimeOfDay: string | number = 0,
    private readonly clockOrigin = 0,
  ) {
    this.startTod = parseTimeOfDay(startTimeOfDay);
  }

  timeOfDay(now: number): number {
    const t = (this.startTod + (now - this.clockOrigin)) % DAY_MS;
    return t < 0 ? t + DAY_MS : t;
  }
}

/** ms since midnight → 'HH:MM:SS' (for answers and logs). */
export function formatTimeOfDay(ms: number): string {
  const s = Math.floor((((ms % DAY_MS) + DAY_MS) % DAY_MS) / 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
}
