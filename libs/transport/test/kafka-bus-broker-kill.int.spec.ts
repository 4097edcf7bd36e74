/**
 * KafkaBus across a broker kill -9 and restart: its consumers come back by themselves and read what
 * is published after. Uses its own broker on KAFKA_KILL_PORT (default 9592, controller +1), started
 * here unless running and stopped afterwards, so killing it disturbs no other test or stack.
 * Run under the live-stack lock: `flock /tmp/live-stack.lock npx jest -c jest.integration.config.js <this file>`.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { KafkaBus } from '../src/kafka-bus';
import type { KafkaLogLine } from '../src/kafka-log';

jest.setTimeout(180_000);

const PORT = Number(process.env.KAFKA_KILL_PORT ?? 9592);
const ENV = { ...process.env, KAFKA_PORT: String(PORT), KAFKA_CONTROLLER_PORT: String(PORT + 1) };
const KAFKA_SH = join(__dirname, '../../../infra/kafka/kafka.sh');
const RUN = `kill-${Date.now().toString(36)}-${process.pid}`;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function kafkaSh(arg: string): { code: number; out: string } {
  const r = spawnSync('bash', [KAFKA_SH, arg], { env: ENV, encoding: 'utf8', timeout: 180_000 });
  return { code: r.status ?? 1, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

function kafkaOk(arg: string): string {
  const r = kafkaSh(arg);
  if (r.code !== 0) throw new Error(`kafka.sh ${arg} (port ${PORT}) failed:\n${r.out}`);
  return r.out;
}

function brokerPid(): number | null {
  const r = kafkaSh('status');
  const m = /pid (\d+)/.exec(r.out);
  return r.code === 0 && m ? Number(m[1]) : null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(cond: () => boolean, ms: number): Promise<void> {
  for (const end = Date.now() + ms; !cond() && Date.now() < end;) await sleep(50);
}

let bus: KafkaBus | null = null;

beforeAll(() => {
  if (brokerPid() === null) kafkaOk('start');
  kafkaOk('wait');
});

afterAll(async () => {
  await bus?.close();
  kafkaOk('stop'); // this file's own broker
});

test('consumers come back after a broker kill -9 and restart, and read what is published after', async () => {
  const lines: KafkaLogLine[] = [];
  bus = new KafkaBus({
    brokers: [`127.0.0.1:${PORT}`],
    instanceId: RUN,
    maxWaitTimeMs: 100,
    onError: () => undefined,
    log: (l) => lines.push(l),
  });
  await bus.start();
  // Several groups, as a live process has: each consumer crashes on its own schedule.
  const topics = [1, 2, 3, 4].map((n) => `${RUN}.t${n}`);
  const got = new Map<string, number[]>(topics.map((t) => [t, []]));
  for (const t of topics) {
    await bus.subscribe<number>(t, `${RUN}.g`, async (batch) => {
      for (const e of batch) got.get(t)!.push(e.value);
    });
  }
  for (const t of topics) await bus.publish(t, [{ key: 'k', value: 1 }]);
  await until(() => topics.every((t) => got.get(t)!.length >= 1), 15_000);

  const pid = brokerPid()!;
  process.kill(pid, 'SIGKILL');
  while (alive(pid)) await sleep(20);
  // Down long enough for the consumers to crash (kafkajs' 8 retries), then back.
  await until(
    () => lines.filter((l) => /consumer .* crashed/.test(l.message)).length >= topics.length,
    30_000,
  );
  kafkaOk('start');
  kafkaOk('wait');
  expect(brokerPid()).not.toBe(pid);

  for (const t of topics) await bus.publish(t, [{ key: 'k', value: 2 }]);
  await until(() => topics.every((t) => got.get(t)!.includes(2)), 90_000);
  expect(Object.fromEntries(topics.map((t) => [t, got.get(t)!.includes(2)]))).toEqual(
    Object.fromEntries(topics.map((t) => [t, true])),
  );
  // Every consumer crashed while the broker was gone: the recovery above was needed.
  expect(lines.filter((l) => /consumer .* crashed/.test(l.message)).length).toBeGreaterThanOrEqual(
    topics.length,
  );
});
