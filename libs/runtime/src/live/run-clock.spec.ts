import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { announceRunClock, untilCommitted } from './run-clock';

/** A stand-in switch replica: commits the run clock only while it leads. */
async function replica() {
  const state = { leader: false, puts: 0, gets: 0 };
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      if (req.method === 'PUT') {
        state.puts++;
        res.end(
          JSON.stringify({
            startedAt: 1,
            startTimeOfDay: '08:00',
            timeOfDayNow: '08:00:00',
            replicated: state.leader,
          }),
        );
      } else {
        state.gets++;
        res.end(JSON.stringify({ role: state.leader ? 'leader' : 'follower', serving: state.leader }));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, state, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** The run clock (08:00, started at 1) announced to the replicas, then committed, polling every 50 ms. */
async function announce(rs: { url: string }[], commitWaitMs: number) {
  const a = { switchUrls: rs.map((r) => r.url), adminToken: 'tok', startedAt: 1, startTimeOfDay: '08:00' };
  return untilCommitted(a, await announceRunClock(a), { commitWaitMs, pollMs: 50 });
}

describe('announceRunClock, then untilCommitted', () => {
  it('with no leader to commit it, waits for one and tells it again', async () => {
    const rs = [await replica(), await replica(), await replica()];
    // An election under way: replica 2 leads a moment after the announcement.
    setTimeout(() => (rs[1]!.state.leader = true), 150);
    const answers = await announce(rs, 3000);
    expect(answers.map((a) => a.replicated)).toEqual([false, true, false]);
    expect(rs.map((r) => r.state.puts)).toEqual([1, 2, 1]);
    await Promise.all(rs.map((r) => r.close()));
  });

  it('stops waiting after commitWaitMs when no leader comes, and says so', async () => {
    const rs = [await replica(), await replica()];
    const t0 = Date.now();
    const answers = await announce(rs, 300);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    expect(answers.every((a) => a.ok && a.replicated === false)).toBe(true);
    expect(rs.every((r) => r.state.gets > 0 && r.state.puts === 1)).toBe(true);
    await Promise.all(rs.map((r) => r.close()));
  });

  it('does not wait when a leader committed it at once, nor for a single switch', async () => {
    const rs = [await replica(), await replica()];
    rs[0]!.state.leader = true;
    await announce(rs, 60_000);
    const one = await replica();
    await announce([one], 60_000);
    expect([...rs, one].map((r) => r.state.gets)).toEqual([0, 0, 0]);
    await Promise.all([...rs, one].map((r) => r.close()));
  });
});
