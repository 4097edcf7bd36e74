import { createMetrics } from '../../../libs/metrics/src';
import { embeddedMetrics } from '../../../libs/runtime/src/metrics-hooks';
import { loadScenario, buildTopology } from '../../../libs/scenarios/src';
import { EmbeddedSystem, wallClock } from '../../../libs/runtime/src';
import { createPspHttpApp } from '../../psp/src';

export interface ServeOptions {
  scenario: string;
  port: number;
  host: string;
}

/** `upi-lab serve`: the embedded system behind the PSP's HTTP API, for curl and HTTP load. */
export async function serveCommand(o: ServeOptions): Promise<void> {
  const scenario = loadScenario(o.scenario);
  const { timers } = wallClock();
  const metrics = createMetrics({ defaultLabels: { service: 'embedded' } });
  const { watch, ...observers } = embeddedMetrics(metrics);
  const system = await EmbeddedSystem.start({
    scenario,
    topology: buildTopology(scenario),
    timers,
    ...observers,
  });
  watch(system);
  const app = await createPspHttpApp({
    core: system.psp,
    ledger: system.ledger,
    adminToken: process.env.UPI_ADMIN_TOKEN,
    registry: metrics.registry,
  });
  await app.listen({ port: o.port, host: o.host });
  console.log(
    `UPI LoadLab embedded system (${scenario.name}) on http://${o.host}:${o.port}  — API docs at /docs`,
  );
  const stop = async () => {
    await app.close();
    await system.stop();
    timers.clearAll();
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}
