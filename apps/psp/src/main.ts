import 'reflect-metadata';
import Redis from 'ioredis';
import { UPI_TIMEOUTS_MS, WallTimers } from '../../../libs/domain/src';
import { RedisLedger } from '../../../libs/ledger/src/redis-ledger';
import { createMetrics, registerKafkaLag } from '../../../libs/metrics/src';
import { resilienceMetrics } from '../../../libs/resilience/src';
import { pspAdmission } from '../../../libs/runtime/src/switch-config';
import { PspCore } from '../../../libs/psp/src';
import { RedisIdempotencyStore } from '../../../libs/psp/src/redis-idempotency-store';
import { runKeys } from '../../../libs/runtime/src/live/env';
import { runProcess } from '../../../libs/runtime/src/live/http-host';
import { RunScopedBus } from '../../../libs/runtime/src/live/run-scoped-bus';
import { loadLiveScenario } from '../../../libs/runtime/src/live/services';
import { startProcessBus } from '../../../libs/runtime/src/live/kafka';
import { readPspConfig } from './config';
import { paymentLatencyObserver } from './metrics-observer';
import { createPspHttpApp } from './psp-http.app';

/**
 * The PSP as its own process: the payments API (the load target) on PORT, PspCore over Kafka,
 * Idempotency-Keys in Redis (shared by every PSP process of the run), the run's ledger read-only
 * for the admin routes.
 */
runProcess('psp', async () => {
  const cfg = readPspConfig();
  const { scenario, topology } = loadLiveScenario(cfg.scenarioFile);
  const keys = runKeys(cfg.runId);
  const timers = new WallTimers();
  const redis = new Redis(cfg.redisUrl, { enableAutoPipelining: true });
  const ledger = new RedisLedger({ prefix: keys.ledger, redis });
  const metrics = createMetrics({
    defaultLabels: { service: 'psp', instance: cfg.instance, run: cfg.runId },
  });
  const kafka = await startProcessBus(cfg, 'psp', cfg.instance, registerKafkaLag(metrics.registry));
  // Unique across PSP instances and restarts of one run: instance, start time, sequence.
  const stamp = `${cfg.instance}${Date.now().toString(36)}`.replace(/[^A-Za-z0-9]/g, '').toUpperCase();
  let seq = 0;
  const sw = topology.switch;
  // The PSP's breaker toward the switch, under the scenario's breaker strategy.
  const switchBreaker = pspAdmission(scenario, timers, resilienceMetrics(metrics.registry));
  const core = new PspCore({
    bus: new RunScopedBus(kafka, cfg.runId),
    timers,
    handles: topology.handles,
    limitPaise: sw.txnLimitPaise,
    answerWaitMs: sw.pspWaitMs,
    upiTimeoutMs: UPI_TIMEOUTS_MS.reqPay,
    store: new RedisIdempotencyStore({ redis, prefix: `${keys.idempotency}:`, ttlMs: cfg.idempotencyTtlMs }),
    txnIds: () => `T${stamp}${(++seq).toString(36).toUpperCase().padStart(7, '0')}`,
    observe: paymentLatencyObserver(metrics),
    onError: (err, where) => console.error(`psp: ${where}:`, err),
    switchAdmission: switchBreaker,
  });
  const app = await createPspHttpApp({
    core,
    ledger,
    adminToken: cfg.adminToken,
    registry: metrics.registry,
  });
  await app.listen({ port: cfg.port, host: cfg.host });
  return {
    where: `http://${cfg.host}:${cfg.port}`,
    stop: async () => {
      await app.close();
      core.stop();
      switchBreaker.shutdown();
      await kafka.close();
      await redis.quit();
      timers.clearAll();
    },
  };
});
