import type { Random } from '../../../domain/src';
import type { VirtualTimers } from '../../../sim/src/virtual-timers';

/** Fault knobs of the simulated network while faults are on; afterwards it is reliable and quick. */
export interface NetFaults {
  loss: number;
  duplicate: number;
  /** Chance that a message is slow enough to arrive after the timeouts (a late answer). */
  slow: number;
}

/**
 * A seeded network on the virtual clock: while faults are on it loses, duplicates and delays
 * messages at random (independent delays reorder them); once `calm()` it delivers everything
 * once, quickly. Retries by the coordinator then finish whatever the faults interrupted.
 */
export class SimNetwork {
  private faulty = true;
  sent = 0;
  lost = 0;
  duplicated = 0;

  constructor(
    private readonly timers: VirtualTimers,
    private readonly rnd: Random,
    private readonly faults: NetFaults,
    private readonly trace: (line: string) => void,
  ) {}

  calm(): void {
    this.faulty = false;
  }

  deliver(what: string, fn: () => void): void {
    this.sent++;
    if (this.faulty && this.rnd.chance(this.faults.loss)) {
      this.lost++;
      this.trace(`net  LOST ${what}`);
      return;
    }
    const copies = this.faulty && this.rnd.chance(this.faults.duplicate) ? 2 : 1;
    if (copies === 2) this.duplicated++;
    for (let i = 0; i < copies; i++) {
      const delay = this.delay();
      this.timers.setTimer(delay, fn);
    }
  }

  private delay(): number {
    if (!this.faulty) return 1 + this.rnd.int(10);
    if (this.rnd.chance(this.faults.slow)) return 150 + this.rnd.int(600);
    return 1 + this.rnd.int(60);
  }
}
