import 'reflect-metadata';
import Redis from 'ioredis';
import { ClearingService } from '../../../libs/clearing/src';
import { WallTimers } from '../../../libs/domain/src';
import { createMetrics, registerKafkaLag } from '../../../libs/metrics/src';
import { JournaledSettlementBus } from '../../../libs/runtime/src/live/clearing-journal';
import { runKeys } from '../../../libs/runtime/src/live/env';
import { serveService, runProcess } from '../../../libs/runtime/src/live/http-host';
import { RunScopedBus } from '../../../libs/runtime/src/live/run-scoped-bus';
import { loadLiveScenario } from '../../../libs/runtime/src/live/services';
import { startProcessBus } from '../../../libs/runtime/src/live/kafka';
import { ClearingHttpModule } from './clearing.module';
import { readClearingConfig } from './config';

/**
 * Clearing as its own process. Settlement entries are journaled in Redis before the core counts
 * them and replayed at start (JournaledSettlementBus), so a restart neither loses nor double-counts.
 */
runProcess('clearing', async () => {
  const cfg = readClearingConfig();
  const { topology } = loadLiveScenario(cfg.scenarioFile);
  const timers = new WallTimers();
  const redis = new Redis(cfg.redisUrl, { enableAutoPipelining: true });
  const metrics = createMetrics({ defaultLabels: { service: 'clearing', run: cfg.runId } });
  const kafka = await startProcessBus(cfg, 'clearing', 'clearing', registerKafkaLag(metrics.registry));
  const bus = new JournaledSettlementBus(
    new RunScopedBus(kafka, cfg.runId),
    redis,
    `${runKeys(cfg.runId).clearing}:journal`,
  );
  const service = new ClearingService({ bus, timers, cycleMs: topology.switch.settlementCycleSec * 1000 });
  await service.start();
  if (bus.replayed) console.log(`clearing: replayed ${bus.replayed} journaled settlement entries`);
  const app = await serveService({
    module: ClearingHttpModule.register(service),
    registry: metrics.registry,
    port: cfg.port,
    host: cfg.host,
    health: () => ({ service: 'clearing', run: cfg.runId, replayed: bus.replayed }),
  });
  return {
    where: `http://${cfg.host}:${cfg.port}`,
    stop: async () => {
      await app.close();
      await service.stop();
      await kafka.close();
      await redis.quit();
      timers.clearAll();
    },
  };
});
