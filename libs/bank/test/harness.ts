import { type BankReq, type BankResp, type BankOp, type Side, Random } from '../../domain/src';
import { InMemoryLedger } from '../../ledger/src/in-memory-ledger';
import { VirtualTimers } from '../../sim/src/virtual-timers';
import { InMemoryBus } from '../../transport/src/in-memory-bus';
import { TOPICS } from '../../transport/src/topics';
import { BankService } from '../src/bank.service';
import type { BankProfile } from '../src/bank-profile';

export interface Answer {
  readonly at: number;
  readonly resp: BankResp;
}

/** A bank service on the real in-memory bus and ledger, on virtual time. */
export async function harness(
  banks: BankProfile[],
  opts: { seed?: number; accounts?: number; balancePaise?: number } = {},
) {
  const timers = new VirtualTimers(0);
  const bus = new InMemoryBus({ timers });
  const ledger = new InMemoryLedger();
  const accounts = opts.accounts ?? 10;
  await ledger.open(
    banks.flatMap((b) =>
      Array.from({ length: accounts }, (_, i) => ({
        account: `${b.id}-${i}`,
        bank: b.id,
        vpa: `u${i}@${b.id.toLowerCase()}`,
        balancePaise: opts.balancePaise ?? 1_000_000,
      })),
    ),
  );
  const service = new BankService({ bus, timers, ledger, rng: new Random(opts.seed ?? 1), banks });
  await service.start();
  const answers: Answer[] = [];
  await bus.subscribe<BankResp>(TOPICS.bankResp, 'test', async (batch) => {
    for (const env of batch) answers.push({ at: timers.now(), resp: env.value });
  });
  const req = (
    bank: string,
    txnId: string,
    op: BankOp,
    side: Side,
    account: string,
    amountPaise = 100,
  ): BankReq => ({
    type: 'BankReq',
    txnId,
    op,
    side,
    bank,
    account,
    amountPaise,
  });
  const send = (...reqs: BankReq[]) =>
    bus.publish(
      TOPICS.bankReq(reqs[0]!.bank),
      reqs.map((r) => ({ key: r.account, value: r })),
    );
  /** Sends `reqs` when the virtual clock reaches `at`. */
  const sendAt = (at: number, ...reqs: BankReq[]) =>
    timers.setTimer(at - timers.now(), () => void send(...reqs));
  const answersFor = (txnId: string, op?: BankOp) =>
    answers.filter((a) => a.resp.txnId === txnId && (!op || a.resp.op === op));
  return { timers, bus, ledger, service, answers, req, send, sendAt, answersFor };
}

export const bank = (id: string, over: Partial<BankProfile> = {}): BankProfile => ({
  id,
  capacityTps: 1000,
  latency: { medianMs: 20, p99Ms: 20 },
  failureRate: 0,
  ...over,
});
