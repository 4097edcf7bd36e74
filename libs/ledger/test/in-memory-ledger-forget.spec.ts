import { InMemoryLedger } from '../src';

async function ledger(): Promise<InMemoryLedger> {
  const l = new InMemoryLedger();
  await l.open([
    { account: 'A', bank: 'B1', vpa: 'a@x', balancePaise: 10_000 },
    { account: 'B', bank: 'B2', vpa: 'b@y', balancePaise: 0 },
  ]);
  return l;
}

describe('InMemoryLedger.forget (eviction of settled txns)', () => {
  test('returns the records it drops, and leaves balances alone', async () => {
    const l = await ledger();
    await l.apply([
      { kind: 'HOLD', txnId: 'T1', account: 'A', amountPaise: 300 },
      { kind: 'CAPTURE', txnId: 'T1', account: 'A', amountPaise: 0 },
      { kind: 'CREDIT', txnId: 'T1', account: 'B', amountPaise: 300 },
      { kind: 'RELEASE', txnId: 'T2', account: 'A', amountPaise: 0 },
    ]);
    expect(l.recordCount).toBe(3);
    const before = await l.summary();
    expect(l.forget('T1')).toEqual(['CAPTURED', 'CREDITED']);
    expect(l.forget('T2')).toEqual(['RELEASED', 'NONE']);
    expect(l.forget('T3')).toEqual(['NONE', 'NONE']);
    expect(l.recordCount).toBe(0);
    expect(await l.record('T1', 'DEBIT')).toBe('NONE');
    expect(await l.summary()).toEqual(before);
    expect((await l.account('A'))!.availablePaise).toBe(9_700);
  });

  test('a record still held keeps refusing a repeated debit; only forgetting it lets one through', async () => {
    const l = await ledger();
    const debit = { kind: 'DEBIT' as const, txnId: 'T1', account: 'A', amountPaise: 1_000 };
    await l.apply([debit]);
    const [replay] = await l.apply([debit]);
    expect(replay).toEqual({ outcome: 'OK', replay: true });
    expect((await l.account('A'))!.availablePaise).toBe(9_000);
    // Why eviction must wait until no copy of a leg can still arrive (libs/runtime/src/retention.ts).
    l.forget('T1');
    await l.apply([debit]);
    expect((await l.account('A'))!.availablePaise).toBe(8_000);
  });
});
