import 'reflect-metadata';
import { WallTimers } from '../../../libs/domain/src';
import { createMetrics } from '../../../libs/metrics/src';
import { resilienceMetrics } from '../../../libs/resilience/src';
import { serveService, runProcess } from '../../../libs/runtime/src/live/http-host';
import { RunScopedBus } from '../../../libs/runtime/src/live/run-scoped-bus';
import { loadLiveScenario, switchParts } from '../../../libs/runtime/src/live/services';
import { SwitchService } from '../../../libs/switch/src';
import { startProcessBus } from '../../../libs/runtime/src/live/kafka';
import { readSwitchConfig } from './config';
import { SwitchHttpModule } from './switch.module';

/**
 * The switch as its own process: SwitchService over Kafka, one node (the Raft issue replicates
 * it), decision log in memory. `GET /switch/export` hands the live runner every registered payment
 * for the end-of-run invariants.
 */
runProcess('switch', async () => {
  const cfg = readSwitchConfig();
  const { scenario, topology } = loadLiveScenario(cfg.scenarioFile);
  const timers = new WallTimers();
  const kafka = await startProcessBus(cfg, 'switch', 'switch');
  const metrics = createMetrics({ defaultLabels: { service: 'switch', run: cfg.runId } });
  const service = new SwitchService({
    bus: new RunScopedBus(kafka, cfg.runId),
    timers,
    ...switchParts(scenario, topology, timers, resilienceMetrics(metrics.registry)),
  });
  await service.start();
  const app = await serveService({
    module: SwitchHttpModule.register(service),
    registry: metrics.registry,
    port: cfg.port,
    host: cfg.host,
    health: () => ({ service: 'switch', run: cfg.runId, coordinatorActive: service.active }),
    routes: (f) =>
      f.get('/switch/export', async () => ({
        coordinatorActive: service.active,
        entries: [...service.entries()].map((e) => ({
          req: e.req,
          status: e.status,
          code: e.code,
          decline: e.decline,
          resolution: e.resolution,
        })),
      })),
  });
  return {
    where: `http://${cfg.host}:${cfg.port}`,
    stop: async () => {
      await app.close();
      await service.stop();
      await kafka.close();
      timers.clearAll();
    },
  };
});
