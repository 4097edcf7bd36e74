import { resolve } from 'node:path';
import { InputError } from '../../../../libs/domain/src';
import type { RunResult, Scenario } from '../../../../libs/scenarios/src';
import { runLive } from '../../../../libs/runtime/src/run-live';
import { liveTargets, repoRoot, stackDown, stackUp } from '../stack/stack';
import { readState } from '../stack/stack-state';

/**
 * Runs scenarios against the live stack: the one already up if it was started from the same file,
 * otherwise one started here (and stopped again at the end). Callers hold /tmp/live-stack.lock
 * (docs/simulator.md): the stack is one shared resource on a machine.
 */
export async function withLiveStack<T>(
  scenarioFile: string,
  body: (run: (s: Scenario) => Promise<RunResult>, scrape: () => Promise<string[]>) => Promise<T>,
): Promise<T> {
  const root = repoRoot();
  let state = readState(root);
  let started = false;
  if (state && resolve(root, state.scenario) !== resolve(scenarioFile))
    throw new InputError(
      `a live stack is up with ${state.scenario}; stop it (upi-lab stack down) or calibrate with that scenario`,
    );
  if (!state) {
    console.error(`starting the live stack with ${scenarioFile}`);
    state = await stackUp({ scenario: scenarioFile, log: (l) => console.error(l) });
    started = true;
  }
  const targets = liveTargets(state);
  const urls = state.components.map((c) => `${c.url}/metrics`);
  // Every component's Prometheus text; one that does not answer (a stopped replica) counts as empty.
  const scrape = () =>
    Promise.all(
      urls.map(async (u) => {
        try {
          const r = await fetch(u, { signal: AbortSignal.timeout(5000) });
          return r.ok ? await r.text() : '';
        } catch {
          return '';
        }
      }),
    );
  try {
    return await body(
      (s) =>
        runLive(s, {
          targets,
          onProgress: (p) => {
            if (p.phase === 'load' && Number.isInteger(p.elapsedSec) && p.elapsedSec % 5 === 0)
              console.error(
                `    live ${p.elapsedSec}/${p.durationSec} s offered ${p.offered} done ${p.completed}`,
              );
          },
        }),
      scrape,
    );
  } finally {
    if (started) await stackDown((l) => console.error(l));
  }
}
