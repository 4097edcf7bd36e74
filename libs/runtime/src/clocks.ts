import { WallTimers } from '../../domain/src';
import { VirtualTimers } from '../../sim/src/virtual-timers';
import type { RunClock } from './run-scenario';

/** Real time: the embedded and live modes. */
export function wallClock(): RunClock & { timers: WallTimers } {
  const timers = new WallTimers();
  return {
    timers,
    waitUntil: (atMs) => new Promise((resolve) => setTimeout(resolve, Math.max(0, atMs - timers.now()))),
  };
}

/** Virtual time: runs as fast as the CPU allows, and a seed replays exactly. */
export function virtualClock(start = 0): RunClock & { timers: VirtualTimers } {
  const timers = new VirtualTimers(start);
  return {
    timers,
    waitUntil: async (atMs) => {
      await timers.runUntil(atMs);
    },
  };
}
