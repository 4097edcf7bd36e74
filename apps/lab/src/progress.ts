import { SingleBar } from 'cli-progress';

/** A progress bar on stderr: `format` names `{bar}`, `{value}`, `{total}` and the payload's keys. */
export interface ProgressView {
  update(value: number, payload: Readonly<Record<string, string | number>>): void;
  stop(): void;
}

const BAR_WIDTH = 40;

/**
 * A progress bar on stderr. On a wall clock it is cli-progress's. On a virtual clock (simulate,
 * compare, run --virtual) it draws on each update and keeps no timer: a simulated run replaces the
 * global timers with its virtual ones, so a render loop would run on simulated time, add events
 * to the simulation and make a seed's result depend on when the terminal was redrawn.
 */
export function progressView(
  format: string,
  total: number,
  payload: Readonly<Record<string, string | number>>,
  opts: { readonly virtualClock: boolean },
): ProgressView {
  if (!opts.virtualClock) {
    const bar = new SingleBar({
      format: ` ${format}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: false,
      noTTYOutput: true,
      notTTYSchedule: 5000,
    });
    bar.start(total, 0, payload);
    return { update: (value, p) => bar.update(value, p), stop: () => bar.stop() };
  }
  return new TimerlessBar(format, total, payload, process.stderr);
}

/** Draws on update: in place on a terminal, else a line per tenth of the way (and the last one). */
export class TimerlessBar implements ProgressView {
  private value = 0;
  private payload: Readonly<Record<string, string | number>>;
  private lastTenth = -1;
  private drawn = false;

  constructor(
    private readonly format: string,
    private readonly total: number,
    payload: Readonly<Record<string, string | number>>,
    private readonly out: { write(s: string): unknown; isTTY?: boolean },
  ) {
    this.payload = payload;
  }

  update(value: number, payload: Readonly<Record<string, string | number>>): void {
    this.value = value;
    this.payload = { ...this.payload, ...payload };
    if (this.out.isTTY) {
      this.out.write(`\r\x1b[2K ${this.text()}`);
      this.drawn = true;
      return;
    }
    const tenth = this.total > 0 ? Math.floor((10 * Math.min(value, this.total)) / this.total) : 10;
    if (tenth === this.lastTenth) return;
    this.lastTenth = tenth;
    this.out.write(` ${this.text()}\n`);
  }

  stop(): void {
    if (this.out.isTTY) {
      if (this.drawn) this.out.write('\n');
    } else if (this.lastTenth < 10) this.out.write(` ${this.text()}\n`);
  }

  /** The line as it is drawn now. */
  text(): string {
    const frac = this.total > 0 ? Math.max(0, Math.min(1, this.value / this.total)) : 1;
    const full = Math.round(frac * BAR_WIDTH);
    const fields: Record<string, string | number> = {
      ...this.payload,
      bar: '\u2588'.repeat(full) + '\u2591'.repeat(BAR_WIDTH - full),
      value: this.value,
      total: this.total,
    };
    return this.format.replace(/\{(\w+)\}/g, (m, k: string) => (k in fields ? String(fields[k]) : m));
  }
}
