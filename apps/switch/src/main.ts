import 'reflect-metadata';
import { WallTimers } from '../../../libs/domain/src';
import { join } from 'node:path';
import { createMetrics, registerKafkaLag, registerRaftMetrics } from '../../../libs/metrics/src';
import { FileStorage } from '../../../libs/raft/src/file-storage';
import { TcpTransport } from '../../../libs/raft/src/tcp-transport';
import { switchMetricsObserver, watchSwitch } from '../../../libs/runtime/src/metrics-hooks';
import { resilienceMetrics } from '../../../libs/resilience/src';
import { serveService, runProcess } from '../../../libs/runtime/src/live/http-host';
import { RunScopedBus } from '../../../libs/runtime/src/live/run-scoped-bus';
import { loadLiveScenario, switchParts } from '../../../libs/runtime/src/live/services';
import { createSwitchReplica, SwitchService, type RaftDecisionLog } from '../../../libs/switch/src';
import type { RaftHost } from '../../../libs/raft/src/host';
import { startProcessBus } from '../../../libs/runtime/src/live/kafka';
import { TOPICS } from '../../../libs/transport/src/topics';
import { readSwitchConfig, type SwitchConfig } from './config';
import type { RaftView } from './raft-admin.controller';
import { SwitchHttpModule } from './switch.module';

/**
 * The switch as its own process: SwitchService over Kafka. With UPI_SWITCH_ID it is one replica
 * of a Raft cluster (TCP between replicas on loopback, the log in a file under UPI_RAFT_DIR) and
 * acts only while it leads; without, one node with its decision log in memory. `GET /switch/export`
 * hands the live runner every registered payment for the end-of-run invariants (a follower
 * redirects it, and `/switch/stats`, to the leader).
 */
runProcess('switch', async () => {
  const cfg = readSwitchConfig();
  const { scenario, topology } = loadLiveScenario(cfg.scenarioFile);
  const timers = new WallTimers();
  const metrics = createMetrics({ defaultLabels: { service: 'switch', run: cfg.runId } });
  const instance = cfg.replica ? `switch-${cfg.replica.id}` : 'switch';
  const kafka = await startProcessBus(cfg, 'switch', instance, registerKafkaLag(metrics.registry));
  // A standby replica creates (finds) the topics it will publish to as leader now, so a takeover's
  // first bank requests and settlement entries do not wait for admin round trips.
  const bus = new RunScopedBus(kafka, cfg.runId);
  if (cfg.replica)
    await kafka.ensureTopics(
      [TOPICS.settlement, ...topology.banks.map((b) => TOPICS.bankReq(b.id))].map((t) => bus.topic(t)),
    );
  const raft = await startRaft(cfg, timers);
  // Registered on one node too (upi_raft_status_available 0), so the dashboards' series always exist.
  registerRaftMetrics(metrics.registry, () => raft?.host.status() ?? null);
  const service = new SwitchService({
    bus,
    timers,
    ...switchParts(scenario, topology, timers, resilienceMetrics(metrics.registry)),
    observer: switchMetricsObserver(metrics),
    ...(raft ? { log: raft.log, replication: raft.log } : {}),
  });
  watchSwitch(metrics, () => service);
  await service.start();
  const app = await serveService({
    module: SwitchHttpModule.register(service, {
      adminToken: cfg.adminToken,
      ...(raft ? { raft: () => raftView(raft, service.isLeading) } : {}),
    }),
    registry: metrics.registry,
    port: cfg.port,
    host: cfg.host,
    health: () => ({
      service: 'switch',
      run: cfg.runId,
      coordinatorActive: service.active,
      ...(raft ? { raft: raftView(raft, service.isLeading) } : {}),
    }),
    routes: (f) => {
      if (raft) {
        // Leader-only reads (the coordinator's outstanding work, the leader's registry) go to the leader.
        f.addHook('onRequest', async (req, reply) => {
          const path = req.url.split('?')[0];
          if (path !== '/switch/export' && path !== '/switch/stats') return;
          if (service.isLeading) return;
          const leader = raft.cfg.cluster.find((p) => p.id === raft.log.leaderId());
          if (leader && leader.id !== raft.cfg.id) return reply.redirect(`${leader.http}${req.url}`, 307);
          return reply
            .code(503)
            .send({ error: { code: 'NO_LEADER', message: 'no switch leader right now' } });
        });
      }
      f.get('/switch/export', async () => ({
        coordinatorActive: service.active,
        entries: [...service.entries()].map((e) => ({
          req: e.req,
          status: e.status,
          code: e.code,
          decline: e.decline,
          resolution: e.resolution,
        })),
      }));
    },
  });
  return {
    where: `http://${cfg.host}:${cfg.port}`,
    stop: async () => {
      await app.close();
      await service.stop();
      await raft?.host.stop();
      await kafka.close();
      timers.clearAll();
    },
  };
});

interface Raft {
  readonly cfg: NonNullable<SwitchConfig['replica']>;
  readonly host: RaftHost;
  readonly log: RaftDecisionLog;
}

/** A replica's consensus half: TCP to its peers, its log file, the host started (it catches up from the file). */
async function startRaft(cfg: SwitchConfig, timers: WallTimers): Promise<Raft | null> {
  const r = cfg.replica;
  if (!r) return null;
  const me = r.cluster.find((p) => p.id === r.id)!;
  const peers = r.cluster.filter((p) => p.id !== r.id);
  const transport = new TcpTransport({
    id: r.id,
    host: me.raftHost,
    port: me.raftPort,
    peers: new Map(peers.map((p) => [p.id, { host: p.raftHost, port: p.raftPort }])),
  });
  await transport.listen();
  const storage = new FileStorage(join(r.raftDir, `switch-${r.id}.raftlog`));
  const { host, log } = createSwitchReplica({
    id: r.id,
    peers: peers.map((p) => p.id),
    storage,
    transport,
    timers,
    consumerGroup: `switch-${r.id}-${Date.now().toString(36)}`,
    onStatus: (s) =>
      console.log(
        `switch-${r.id} (${me.region}): raft ${s.role}, term ${s.term}, leader ${s.leader || 'unknown'}`,
      ),
  });
  host.start();
  return { cfg: r, host, log };
}

function raftView(raft: Raft, serving: boolean): RaftView {
  const s = raft.host.status();
  const me = raft.cfg.cluster.find((p) => p.id === raft.cfg.id)!;
  return {
    id: s.id,
    region: me.region,
    role: s.role,
    term: s.term,
    leader: s.leader,
    commit: s.commit,
    applied: s.applied,
    serving,
  };
}
