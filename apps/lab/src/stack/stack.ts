import { InputError } from '../../../../libs/domain/src';
import { randomBytes } from 'node:crypto';
import type { SwitchReplicaView } from '../../../../libs/switch/src/replication';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadScenario } from '../../../../libs/scenarios/src';
import { buildTopology } from '../../../../libs/scenarios/src/topology';
import type { LiveTargets } from '../../../../libs/runtime/src/run-live';
import { deleteRunTopics } from '../../../../libs/runtime/src/live/kafka';
import { deleteRunKeys } from '../../../../libs/runtime/src/live/redis';
import { isRunId, RUN_ID_RULE } from '../../../../libs/runtime/src/live/env';
import { infra, isOurs, sleep, spawnDetached, stopPid, waitHealthy } from './processes';
import {
  readState,
  stackDir,
  statePath,
  writeState,
  type ComponentState,
  type StackState,
} from './stack-state';

export interface StackUpOptions {
  readonly scenario: string;
  /** PSP(s) from basePort, then the others (see `stackPorts`). Default 18080. */
  readonly basePort?: number;
  /** How many bank processes share the scenario's banks (round-robin). Default 1. */
  readonly bankProcesses?: number;
  /** How many PSP processes serve the run (psp-1…psp-N, one Redis idempotency store). Default 1. */
  readonly pspProcesses?: number;
  /** Switch replicas on Raft (switch-1…N; 3 or 5), or 1 for a single node with its log in memory. Default UPI_SWITCH_REPLICAS, else 3. */
  readonly switchReplicas?: number;
  readonly runId?: string;
  readonly healthTimeoutMs?: number;
  readonly log?: (line: string) => void;
}

const KAFKA = 'infra/kafka/kafka.sh';
const REDIS = 'infra/redis/redis.sh';

/**
 * The broker and Redis ports, from the infra scripts' own variables (KAFKA_PORT,
 * KAFKA_CONTROLLER_PORT, REDIS_PORT; defaults 9092/9093/6390). A fault test that restarts the broker
 * or Redis points its stack at its own instances, so other stacks on this host are left alone.
 */
function infraPorts(env: NodeJS.ProcessEnv = process.env) {
  const kafka = Number(env.KAFKA_PORT ?? 9092);
  const redis = Number(env.REDIS_PORT ?? 6390);
  const controller = Number(env.KAFKA_CONTROLLER_PORT ?? kafka + 1);
  for (const [name, v] of [
    ['KAFKA_PORT', kafka],
    ['KAFKA_CONTROLLER_PORT', controller],
    ['REDIS_PORT', redis],
  ] as const)
    if (!Number.isInteger(v) || v < 1 || v > 65535) throw new InputError(`${name} must be a port number`);
  return {
    brokers: `127.0.0.1:${kafka}`,
    redisUrl: `redis://127.0.0.1:${redis}`,
    env: { KAFKA_PORT: String(kafka), KAFKA_CONTROLLER_PORT: String(controller), REDIS_PORT: String(redis) },
  };
}

/** The infra scripts' port variables for a stack already up (from its state). */
function infraEnvOf(state: StackState | null): Record<string, string> {
  if (!state) return infraPorts().env;
  const kafka = Number(state.infra.kafka.brokers.split(':').pop());
  const redis = Number(new URL(state.infra.redis.url).port);
  return {
    KAFKA_PORT: String(kafka),
    KAFKA_CONTROLLER_PORT: String(state.infra.kafka.controllerPort ?? kafka + 1),
    REDIS_PORT: String(redis),
  };
}

/** The repository root (where package.json names upi-loadlab), from source or from dist. */
export function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (
      existsSync(pkg) &&
      (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'upi-loadlab'
    )
      return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the repository root (package.json of upi-loadlab)');
    dir = up;
  }
}

/**
 * The port layout: PSP instances on consecutive ports from `base` (base … base+N−1, so a load
 * balancer's port range), and everything else shifted by N−1 so nothing collides: switch base+N,
 * clearing base+N+1, bank processes base+N+9, +N+10, … With one PSP that is the original layout
 * (PSP 18080, switch 18081, clearing 18082, banks 18090…).
 */
export function stackPorts(base: number, psps: number, banks: number) {
  const shift = psps - 1;
  const ports = {
    psps: Array.from({ length: psps }, (_, i) => base + i),
    switch: base + 1 + shift,
    clearing: base + 2 + shift,
    banks: Array.from({ length: banks }, (_, i) => base + 10 + shift + i),
    // Switch replicas: HTTP of switch-1 is `switch`, switch-2…5 at base+N+2…; Raft TCP at base+N+5….
    switchReplicas: [
      base + 1 + shift,
      base + 3 + shift,
      base + 4 + shift,
      base + 8 + shift,
      base + 9 + shift,
    ],
    raft: [base + 5 + shift, base + 6 + shift, base + 7 + shift, base + 30 + shift, base + 31 + shift],
  };
  const last = Math.max(...ports.banks, ports.clearing);
  if (!Number.isInteger(base) || base < 1 || last > 65535)
    throw new InputError(`ports ${base}…${last} do not fit: choose another --base-port`);
  return ports;
}

const scriptOf = (root: string, app: ComponentState['app']) =>
  join(root, 'dist', 'apps', app, 'src', 'main.js');

/**
 * `upi-lab stack up`: Kafka and Redis (unless already running), then switch, bank process(es) and
 * clearing, then the PSP once they are healthy (a PSP request before the switch has joined its group
 * would go unread). Writes `.state/stack/stack.json` as it goes, so `down` works after a failed `up`.
 */
export async function stackUp(o: StackUpOptions): Promise<StackState> {
  const log = o.log ?? console.log;
  const root = repoRoot();
  const existing = readState(root);
  if (existing && existing.components.some((c) => isOurs(c.pid, scriptOf(root, c.app))))
    throw new InputError(`a stack is already up (run ${existing.runId}); run \`upi-lab stack down\` first`);
  for (const app of ['psp', 'switch', 'bank', 'clearing'] as const)
    if (!existsSync(scriptOf(root, app)))
      throw new InputError(`${scriptOf(root, app)} is missing: run \`npm run build\` first`);

  const scenarioFile = resolve(o.scenario);
  const scenario = loadScenario(scenarioFile); // fails fast on a bad file, before anything starts
  const bankIds = buildTopology(scenario).banks.map((b) => b.id);
  const n = Math.max(1, Math.min(o.bankProcesses ?? 1, bankIds.length));
  const pspCount = o.pspProcesses ?? 1;
  if (!Number.isInteger(pspCount) || pspCount < 1 || pspCount > 16)
    throw new InputError(`--psp-processes must be an integer from 1 to 16, got ${pspCount}`);
  const layout = stackPorts(o.basePort ?? 18080, pspCount, n);
  const runId = o.runId ?? `r${Date.now().toString(36)}`;
  if (!isRunId(runId)) throw new InputError(`--run-id must be ${RUN_ID_RULE}, got "${runId}"`);
  const dir = stackDir(root);
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const healthMs = o.healthTimeoutMs ?? 60_000;

  const ports = infraPorts();
  const redisStarted = ensureInfra(root, REDIS, 'redis', log, ports.env);
  const kafkaStarted = ensureInfra(root, KAFKA, 'kafka', log, ports.env);
  const BROKERS = ports.brokers;
  const REDIS_URL = ports.redisUrl;

  const common = {
    KAFKA_BROKERS: BROKERS,
    REDIS_URL,
    UPI_SCENARIO: scenarioFile,
    UPI_RUN_ID: runId,
    UPI_ADMIN_TOKEN: randomBytes(18).toString('base64url'),
    HOST: '127.0.0.1',
  };
  const component = (
    name: string,
    app: ComponentState['app'],
    port: number,
    extra: Record<string, string> = {},
    banks?: string[],
  ): ComponentState => ({
    name,
    app,
    port,
    url: `http://127.0.0.1:${port}`,
    pid: null,
    env: { ...common, PORT: String(port), ...extra },
    log: join(dir, 'logs', `${name}.log`),
    ...(banks ? { banks } : {}),
  });
  const groups: string[][] = Array.from({ length: n }, () => []);
  bankIds.forEach((id, i) => groups[i % n]!.push(id));
  const replicas = o.switchReplicas ?? Number(process.env.UPI_SWITCH_REPLICAS ?? 3);
  if (![1, 3, 5].includes(replicas))
    throw new InputError(`--switch-replicas must be 1, 3 or 5, got ${replicas}`);
  const components: ComponentState[] = [
    ...switchComponents(replicas, layout, join(dir, 'raft'), component),
    ...groups.map((banks, i) =>
      component(
        `bank-${i + 1}`,
        'bank',
        layout.banks[i]!,
        { UPI_BANKS: banks.join(','), UPI_INSTANCE: `bank-${i + 1}` },
        banks,
      ),
    ),
    component('clearing', 'clearing', layout.clearing),
    // Each PSP its own instance name: its metrics label and its own Kafka reply topic.
    ...layout.psps.map((port, i) => component(`psp-${i + 1}`, 'psp', port, { UPI_INSTANCE: `psp-${i + 1}` })),
  ];
  const state: StackState = {
    version: 1,
    runId,
    scenario: scenarioFile,
    adminToken: common.UPI_ADMIN_TOKEN,
    startedAt: new Date().toISOString(),
    root,
    infra: {
      kafka: {
        brokers: BROKERS,
        controllerPort: Number(ports.env.KAFKA_CONTROLLER_PORT),
        startedByStack: kafkaStarted,
      },
      redis: { url: REDIS_URL, startedByStack: redisStarted },
    },
    components,
  };
  writeState(root, state);

  // A new run's replicas start from empty logs.
  rmSync(join(dir, 'raft'), { recursive: true, force: true });
  // Everything but the PSPs at once, then the PSPs (at once too).
  const backends = components.filter((c) => c.app !== 'psp');
  for (const c of backends) start(root, state, c);
  await Promise.all(backends.map((c) => healthyOrRetry(root, state, c, healthMs, log)));
  if (replicas > 1) {
    const leader = await waitSwitchLeader(state, healthMs);
    log(`switch: replica ${leader.id} (${leader.region}) leads, term ${leader.term}`);
  }
  const psps = components.filter((c) => c.app === 'psp');
  for (const c of psps) start(root, state, c);
  await Promise.all(psps.map((c) => healthyOrRetry(root, state, c, healthMs, log)));
  log(describe(state));
  return state;
}

export interface StackDownOptions {
  /** Leave the run's Kafka topics and Redis keys in place (to look at them after). Default false. */
  readonly keepData?: boolean;
}

/**
 * `upi-lab stack down`: stops exactly what `up` started, services first, then Kafka and Redis if `up`
 * started them. The run's topics and Redis keys go with it unless `keepData`: a broker and a Redis
 * that outlive many stacks would otherwise collect every run's messages and payments.
 */
export async function stackDown(
  log: (l: string) => void = console.log,
  opts: StackDownOptions = {},
): Promise<void> {
  const root = repoRoot();
  const state = readState(root);
  if (!state) {
    log('no stack state: nothing to stop');
    return;
  }
  // The PSP first (no new payments), then the others.
  const order = [...state.components].sort((a, b) => (a.app === 'psp' ? -1 : b.app === 'psp' ? 1 : 0));
  await Promise.all(
    order.map(async (c) => {
      if (isOurs(c.pid, scriptOf(root, c.app))) {
        await stopPid(c.pid!);
        log(`stopped ${c.name} (pid ${c.pid})`);
      }
    }),
  );
  const env = infraEnvOf(state);
  if (opts.keepData) log(`kept run ${state.runId}'s Kafka topics and Redis keys`);
  else await deleteRunData(root, state, env, log);
  if (state.infra.kafka.startedByStack) log(infra(root, KAFKA, 'stop', env).out);
  if (state.infra.redis.startedByStack) log(infra(root, REDIS, 'stop', env).out);
  rmSync(statePath(root), { force: true });
}

/**
 * Deletes the run's topics and Redis keys. A broker or Redis that is not up has nothing to delete
 * now (the next run's names carry their own run id anyway); a failure is told, not thrown, so the
 * stack still comes down.
 */
async function deleteRunData(
  root: string,
  state: StackState,
  env: Record<string, string>,
  log: (l: string) => void,
): Promise<void> {
  const why = (err: unknown) => (err instanceof Error ? err.message : String(err));
  if (infra(root, KAFKA, 'status', env).code === 0) {
    try {
      const deleted = await deleteRunTopics(state.infra.kafka.brokers.split(','), state.runId);
      log(`deleted ${deleted.length} Kafka topics of run ${state.runId}`);
    } catch (err) {
      log(`Kafka topics of run ${state.runId} not deleted: ${why(err)}`);
    }
  }
  if (infra(root, REDIS, 'status', env).code === 0) {
    try {
      const deleted = await deleteRunKeys(state.infra.redis.url, state.runId);
      log(`deleted ${deleted} Redis keys of run ${state.runId}`);
    } catch (err) {
      log(`Redis keys of run ${state.runId} not deleted: ${why(err)}`);
    }
  }
}

export interface ComponentStatus {
  readonly name: string;
  readonly up: boolean;
  readonly url: string;
  readonly pid: number | null;
}

/** `upi-lab stack status`: each component up/down (process alive and /healthz answering), with address and pid. */
export async function stackStatus(): Promise<{ state: StackState | null; components: ComponentStatus[] }> {
  const root = repoRoot();
  const state = readState(root);
  const out: ComponentStatus[] = [];
  const env = infraEnvOf(state);
  const kafka = infra(root, KAFKA, 'status', env);
  const redis = infra(root, REDIS, 'status', env);
  out.push({
    name: 'kafka',
    up: kafka.code === 0,
    url: `PLAINTEXT://127.0.0.1:${env.KAFKA_PORT}`,
    pid: pidIn(kafka.out),
  });
  out.push({
    name: 'redis',
    up: redis.code === 0,
    url: `redis://127.0.0.1:${env.REDIS_PORT}`,
    pid: pidIn(redis.out),
  });
  for (const c of state?.components ?? []) {
    let up = isOurs(c.pid, scriptOf(root, c.app));
    if (up) {
      try {
        up = (await fetch(`${c.url}/healthz`, { signal: AbortSignal.timeout(1000) })).ok;
      } catch {
        up = false;
      }
    }
    out.push({ name: c.name, up, url: c.url, pid: up ? c.pid : null });
  }
  return { state, components: out };
}

/** `upi-lab stack kill NAME [--signal S]`: signals one component (`bank` / `psp` = every bank / PSP process); default SIGKILL. */
export function stackKill(name: string, signal: NodeJS.Signals = 'SIGKILL'): string[] {
  const root = repoRoot();
  const state = mustState(root);
  const hits = select(state, name);
  const killed: string[] = [];
  for (const c of hits) {
    if (isOurs(c.pid, scriptOf(root, c.app))) {
      process.kill(c.pid!, signal);
      killed.push(`${c.name} (pid ${c.pid}) ${signal}`);
    }
  }
  return killed;
}

/** A switch replica's `GET /admin/raft`. */
export type SwitchRaftView = SwitchReplicaView;

/** Every switch replica's Raft view (null where it does not answer). */
export async function switchRaftViews(
  state: StackState,
): Promise<{ component: ComponentState; view: SwitchRaftView | null }[]> {
  return Promise.all(
    state.components
      .filter((c) => c.app === 'switch')
      .map(async (c) => {
        try {
          const r = await fetch(`${c.url}/admin/raft`, {
            headers: { authorization: `Bearer ${state.adminToken ?? ''}` },
            signal: AbortSignal.timeout(1000),
          });
          return { component: c, view: r.ok ? ((await r.json()) as SwitchRaftView) : null };
        } catch {
          return { component: c, view: null };
        }
      }),
  );
}

/** The replica that leads and serves in the highest term (null: none right now). */
export async function switchLeader(
  state: StackState,
): Promise<{ component: ComponentState; view: SwitchRaftView } | null> {
  const views = await switchRaftViews(state);
  const leaders = views
    .filter((v): v is { component: ComponentState; view: SwitchRaftView } => v.view?.role === 'leader')
    .sort((a, b) => b.view.term - a.view.term);
  return leaders[0] ?? null;
}

/** Waits until a switch replica leads and serves (its state caught up, consuming). */
export async function waitSwitchLeader(state: StackState, timeoutMs: number): Promise<SwitchRaftView> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const l = await switchLeader(state);
    if (l?.view.serving) return l.view;
    if (Date.now() > until) throw new Error(`no switch replica leads after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `upi-lab stack kill switch-leader`: `kill -9` of the replica that leads now. */
export async function stackKillSwitchLeader(signal: NodeJS.Signals = 'SIGKILL'): Promise<string[]> {
  const root = repoRoot();
  const state = mustState(root);
  const l = await switchLeader(state);
  if (!l) throw new Error('no switch replica reports itself leader');
  const c = l.component;
  if (!isOurs(c.pid, scriptOf(root, c.app)))
    throw new Error(`${c.name} leads but is not a process of this stack`);
  process.kill(c.pid!, signal);
  return [`${c.name} (pid ${c.pid}, leader of term ${l.view.term}) ${signal}`];
}

/** `upi-lab stack start NAME`: starts a component that is down, with its original environment, and waits for health. */
export async function stackStart(name: string, healthMs = 60_000): Promise<string[]> {
  const root = repoRoot();
  const state = mustState(root);
  const started: string[] = [];
  for (const c of select(state, name)) {
    if (isOurs(c.pid, scriptOf(root, c.app))) continue;
    start(root, state, c);
    await healthy(c, healthMs);
    started.push(`${c.name} (pid ${c.pid})`);
  }
  return started;
}

/** `upi-lab stack restart NAME [--hard]`: stop (SIGTERM, or SIGKILL with hard) then start. */
export async function stackRestart(name: string, hard = false): Promise<string[]> {
  const root = repoRoot();
  const state = mustState(root);
  for (const c of select(state, name))
    if (isOurs(c.pid, scriptOf(root, c.app)))
      await stopPid(c.pid!, hard ? 0 : 10_000, hard ? 'SIGKILL' : 'SIGTERM');
  return stackStart(name);
}

/**
 * Where the live runner finds the stack: every PSP instance of it, or `target`, a comma list of PSP
 * URLs (another entry point, or a subset of the instances).
 */
export function liveTargets(state: StackState, target?: string): LiveTargets {
  const url = (app: ComponentState['app']) => state.components.find((c) => c.app === app)!.url;
  const pspUrls = target
    ? target
        .split(',')
        .map((u) => u.trim())
        .filter((u) => u !== '')
    : state.components.filter((c) => c.app === 'psp').map((c) => c.url);
  for (const u of pspUrls)
    if (!/^https?:\/\/[^/]+\/?$/.test(u))
      throw new InputError(`--target: "${u}" is not an http(s)://host:port URL`);
  if (!pspUrls.length) throw new InputError('--target: no PSP URL given');
  return {
    pspUrl: pspUrls[0]!,
    pspUrls,
    switchUrl: url('switch'),
    switchUrls: state.components.filter((c) => c.app === 'switch').map((c) => c.url),
    clearingUrl: url('clearing'),
    banks: state.components
      .filter((c) => c.app === 'bank')
      .map((c) => ({ url: c.url, banks: c.banks ?? [] })),
    redisUrl: state.infra.redis.url,
    runId: state.runId,
    adminToken: state.adminToken,
    restartSwitch: restartCrashedSwitch,
  };
}

/**
 * Starts the switch replica at `url` again once its crashed process is gone: the end of a
 * `switch-leader-kill` fault in `run --live` and `load`, as the embedded runner restarts it.
 */
async function restartCrashedSwitch(url: string): Promise<void> {
  const root = repoRoot();
  const c = mustState(root).components.find((x) => x.app === 'switch' && x.url === url);
  if (!c) throw new Error(`no switch replica of this stack at ${url}`);
  // POST /admin/crash answers before the process exits.
  for (let i = 0; i < 100 && isOurs(c.pid, scriptOf(root, c.app)); i++) await sleep(50);
  if ((await stackStart(c.name)).length === 0) throw new Error(`${c.name} is still running: not restarted`);
}

/**
 * The k6 script's target variables for this stack (README, "k6"): the PSPs, the switch replicas and
 * where each bank answers, so a k6 run announces the run clock and injects the scenario's faults.
 */
export function k6Env(components: readonly ComponentState[]): string {
  const urls = (app: ComponentState['app']) =>
    components
      .filter((c) => c.app === app)
      .map((c) => c.url)
      .join(',');
  const banks = components.flatMap((c) =>
    c.app === 'bank' ? (c.banks ?? []).map((b) => `${b}=${c.url}`) : [],
  );
  const psps = urls('psp');
  return [
    `TARGET=${psps.split(',')[0] ?? ''}`,
    `PSPS=${psps}`,
    `SWITCHES=${urls('switch')}`,
    `BANKS=${banks.join(',')}`,
  ].join(' ');
}

export function describe(state: StackState): string {
  const lines = [`stack up: run ${state.runId}, scenario ${state.scenario}`];
  lines.push(
    `  kafka     PLAINTEXT://${state.infra.kafka.brokers}${state.infra.kafka.startedByStack ? '' : ' (already running)'}`,
  );
  lines.push(
    `  redis     ${state.infra.redis.url}${state.infra.redis.startedByStack ? '' : ' (already running)'}`,
  );
  for (const c of state.components)
    lines.push(
      `  ${c.name.padEnd(9)} ${c.url}  pid ${c.pid}${c.banks ? `  banks ${c.banks.join(',')}` : ''}`,
    );
  lines.push(`  k6 env    ${k6Env(state.components)}`);
  lines.push(`  logs      ${join(stackDir(state.root), 'logs')}`);
  lines.push(`  state     ${statePath(state.root)}`);
  return lines.join('\n');
}

function ensureInfra(
  root: string,
  script: string,
  name: string,
  log: (l: string) => void,
  env: Record<string, string>,
): boolean {
  if (infra(root, script, 'status', env).code === 0) {
    log(`${name}: already running, left as it is`);
    return false;
  }
  const s = infra(root, script, 'start', env);
  if (s.code !== 0) throw new Error(`${name} did not start:\n${s.out}`);
  const w = infra(root, script, 'wait', env);
  if (w.code !== 0) throw new Error(`${name} started but does not answer:\n${w.out}`);
  log(`${name}: started`);
  return true;
}

function start(root: string, state: StackState, c: ComponentState): void {
  c.pid = spawnDetached(scriptOf(root, c.app), c.env, c.log, root);
  writeState(root, state);
}

async function healthy(c: ComponentState, ms: number): Promise<void> {
  try {
    await waitHealthy(`${c.url}/healthz`, ms, c.pid, c.log);
  } catch (err) {
    throw new Error(`${c.name}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Waits for health; a process that exited during its start is started again, up to
 * START_ATTEMPTS times with a growing pause. On a broker started (or restarted) a moment ago,
 * processes creating their topics at once can be refused metadata ("This server does not host this
 * topic-partition") and stop until the broker has loaded its partitions. Starting is idempotent
 * (bank accounts are opened only if absent), so a retry is safe; the last failure is reported.
 */
async function healthyOrRetry(
  root: string,
  state: StackState,
  c: ComponentState,
  ms: number,
  log: (l: string) => void,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await healthy(c, ms);
      return;
    } catch (err) {
      if (isOurs(c.pid, scriptOf(root, c.app))) throw err; // alive but not healthy: no retry
      if (attempt >= START_ATTEMPTS) throw err;
      const pauseMs = 500 * 2 ** (attempt - 1);
      log(
        `${c.name} exited during its start (${err instanceof Error ? err.message : String(err)}); starting it again in ${pauseMs} ms`,
      );
      await sleep(pauseMs);
      start(root, state, c);
    }
  }
}

/** Starts of a process that keeps exiting during its start before the stack gives up on it. */
const START_ATTEMPTS = 5;

function mustState(root: string): StackState {
  const s = readState(root);
  if (!s) throw new InputError('no stack is up (no .state/stack/stack.json); run `upi-lab stack up` first');
  return s;
}

function select(state: StackState, name: string): ComponentState[] {
  const hits = state.components.filter((c) => c.name === name || c.app === name);
  if (!hits.length)
    throw new InputError(
      `no component ${name}; the stack has ${state.components.map((c) => c.name).join(', ')}`,
    );
  return hits;
}

/**
 * The switch: one node named `switch` (replicas 1), or replicas `switch-1…N` in the regions of
 * NPCI's data centres, each with its Raft port and log folder, told of every replica.
 */
function switchComponents(
  replicas: number,
  layout: ReturnType<typeof stackPorts>,
  raftDir: string,
  component: (name: string, app: 'switch', port: number, extra?: Record<string, string>) => ComponentState,
): ComponentState[] {
  if (replicas === 1) return [component('switch', 'switch', layout.switch)];
  const regions = ['Mumbai', 'Delhi', 'Chennai', 'Hyderabad', 'Kolkata'];
  const cluster = Array.from({ length: replicas }, (_, i) => ({
    id: i + 1,
    region: regions[i]!,
    raft: `127.0.0.1:${layout.raft[i]!}`,
    http: `http://127.0.0.1:${layout.switchReplicas[i]!}`,
  }));
  return cluster.map((p, i) =>
    component(`switch-${p.id}`, 'switch', layout.switchReplicas[i]!, {
      UPI_SWITCH_ID: String(p.id),
      UPI_SWITCH_CLUSTER: JSON.stringify(cluster),
      UPI_RAFT_DIR: raftDir,
      UPI_INSTANCE: `switch-${p.id}`,
    }),
  );
}

function pidIn(text: string): number | null {
  const m = /pid (\d+)/.exec(text);
  return m ? Number(m[1]) : null;
}
