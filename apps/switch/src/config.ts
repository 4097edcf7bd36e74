import { ConfigError, readCommon, type CommonLiveConfig, type Env } from '../../../libs/runtime/src/live/env';

/** One switch replica as the cluster list names it. */
export interface SwitchPeer {
  readonly id: number;
  readonly region: string;
  /** Raft TCP address, host:port (loopback in the stack). */
  readonly raftHost: string;
  readonly raftPort: number;
  /** Its HTTP base URL (followers redirect leader-only reads there). */
  readonly http: string;
}

export interface SwitchReplicaConfig {
  /** UPI_SWITCH_ID: this replica's id in the cluster list. */
  readonly id: number;
  /** UPI_SWITCH_CLUSTER: every replica (JSON list of { id, region, raft: "host:port", http }). */
  readonly cluster: readonly SwitchPeer[];
  /** UPI_RAFT_DIR: where the replica's Raft log file lives. Default `.state/raft`. */
  readonly raftDir: string;
}

export interface SwitchConfig extends CommonLiveConfig {
  /** Null: one switch node, decision log in memory (no UPI_SWITCH_ID). */
  readonly replica: SwitchReplicaConfig | null;
}

/** The switch process's environment (docs/live-mode.md). Default PORT 18081. */
export function readSwitchConfig(env: Env = process.env): SwitchConfig {
  return { ...readCommon(env, 18081), replica: readReplica(env) };
}

function readReplica(env: Env): SwitchReplicaConfig | null {
  const rawId = env.UPI_SWITCH_ID;
  if (rawId === undefined || rawId === '') return null;
  const id = Number(rawId);
  if (!Number.isInteger(id) || id < 1)
    throw new ConfigError(`UPI_SWITCH_ID must be a positive integer, got "${rawId}"`);
  let list: unknown;
  try {
    list = JSON.parse(env.UPI_SWITCH_CLUSTER ?? '');
  } catch {
    throw new ConfigError('UPI_SWITCH_CLUSTER must be a JSON list of { id, region, raft, http }');
  }
  if (!Array.isArray(list) || (list.length !== 3 && list.length !== 5))
    throw new ConfigError('UPI_SWITCH_CLUSTER must list 3 or 5 replicas');
  const cluster = list.map((p: unknown, i): SwitchPeer => {
    const o = (p ?? {}) as Record<string, unknown>;
    const m = typeof o.raft === 'string' ? /^([A-Za-z0-9.-]+):(\d{1,5})$/.exec(o.raft) : null;
    if (
      !Number.isInteger(o.id) ||
      (o.id as number) < 1 ||
      !m ||
      typeof o.http !== 'string' ||
      !/^https?:\/\//.test(o.http)
    )
      throw new ConfigError(
        `UPI_SWITCH_CLUSTER[${i}] needs id (positive integer), raft ("host:port") and http (URL)`,
      );
    return {
      id: o.id as number,
      region: typeof o.region === 'string' ? o.region : `replica-${String(o.id)}`,
      raftHost: m[1]!,
      raftPort: Number(m[2]),
      http: o.http.replace(/\/$/, ''),
    };
  });
  if (new Set(cluster.map((p) => p.id)).size !== cluster.length)
    throw new ConfigError('UPI_SWITCH_CLUSTER: replica ids must be distinct');
  if (!cluster.some((p) => p.id === id))
    throw new ConfigError(`UPI_SWITCH_ID ${id} is not in UPI_SWITCH_CLUSTER`);
  return { id, cluster, raftDir: env.UPI_RAFT_DIR || '.state/raft' };
}
