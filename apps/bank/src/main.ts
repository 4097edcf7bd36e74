import 'reflect-metadata';
import { BankService } from '../../../libs/bank/src';
import { Random, WallTimers } from '../../../libs/domain/src';
import { RedisLedger } from '../../../libs/ledger/src/redis-ledger';
import { createMetrics, registerBankGauges, registerKafkaLag } from '../../../libs/metrics/src';
import { readIdList, runKeys } from '../../../libs/runtime/src/live/env';
import { serveService, runProcess } from '../../../libs/runtime/src/live/http-host';
import { openAccountsIfAbsent } from '../../../libs/runtime/src/live/open-accounts';
import { RunScopedBus } from '../../../libs/runtime/src/live/run-scoped-bus';
import { bankProfilesOf, loadLiveScenario } from '../../../libs/runtime/src/live/services';
import { startProcessBus } from '../../../libs/runtime/src/live/kafka';
import { BankHttpModule } from './bank.module';
import { readBankConfig } from './config';

/**
 * A bank process: hosts the banks of UPI_BANKS over Kafka, with the run's ledger in Redis. It opens
 * its banks' accounts only if they do not exist yet, so a restart (even after kill -9) resumes on
 * the balances Redis holds, and its consumer group resumes at the last committed offset.
 */
runProcess('bank', async () => {
  const cfg = readBankConfig();
  const { scenario, topology } = loadLiveScenario(cfg.scenarioFile);
  const banks = readIdList(
    { UPI_BANKS: cfg.banksRaw },
    'UPI_BANKS',
    topology.banks.map((b) => b.id),
  );
  const timers = new WallTimers();
  const ledger = new RedisLedger({ prefix: runKeys(cfg.runId).ledger, url: cfg.redisUrl });
  const opened = await openAccountsIfAbsent(
    ledger,
    topology.accounts.filter((a) => banks.includes(a.bank)),
  );
  console.log(
    `${cfg.instance}: accounts of ${banks.join(', ')} ${opened === 'opened' ? 'opened' : 'found in Redis'}`,
  );
  const metrics = createMetrics({
    defaultLabels: { service: 'bank', instance: cfg.instance, run: cfg.runId },
  });
  const kafka = await startProcessBus(cfg, 'bank', cfg.instance, registerKafkaLag(metrics.registry));
  const service = new BankService({
    bus: new RunScopedBus(kafka, cfg.runId),
    timers,
    ledger,
    rng: new Random(scenario.seed).fork(`banks:${cfg.instance}`),
    banks: bankProfilesOf(topology, banks),
    tickMs: cfg.tickMs,
  });
  await service.start();
  registerBankGauges(
    metrics.registry,
    async () => heldByBank((await ledger.summary()).perBank, banks),
    () => Object.fromEntries(service.allStats().map((s) => [s.id, s.queued])),
  );
  const app = await serveService({
    module: BankHttpModule.register(service, { adminToken: cfg.adminToken }),
    registry: metrics.registry,
    port: cfg.port,
    host: cfg.host,
    health: () => ({ service: 'bank', run: cfg.runId, banks }),
  });
  return {
    where: `http://${cfg.host}:${cfg.port} (banks ${banks.join(', ')})`,
    stop: async () => {
      await app.close();
      await service.stop();
      await kafka.close();
      await ledger.close();
      timers.clearAll();
    },
  };
});

/** Held paise of the banks this process hosts (the ledger's summary covers every bank of the run). */
function heldByBank(
  perBank: Readonly<Record<string, { readonly heldPaise: number }>>,
  banks: readonly string[],
): Record<string, number> {
  return Object.fromEntries(banks.map((b) => [b, perBank[b]?.heldPaise ?? 0]));
}
