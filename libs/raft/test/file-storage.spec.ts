import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { crc32, FileStorage } from '../src/file-storage';
import type { Entry } from '../src/types';
import { TestCluster } from './helpers';

const ents = (from: number, to: number, term: number): Entry[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ index: from + i, term, data: `cmd-${from + i}` }));

describe('FileStorage', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raft-fs-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('computes the standard CRC-32', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it('reopens with hard state, entries and truncations intact', () => {
    const file = path.join(dir, 'n1.log');
    const s = new FileStorage(file);
    s.save({ entries: ents(1, 5, 1), hardState: { term: 1, vote: 2, commit: 3 } });
    s.save({ entries: ents(4, 6, 2), hardState: { term: 2, vote: 3, commit: 4 } }); // 4.. replaced
    s.close();
    const r = new FileStorage(file).load();
    expect(r.hardState).toEqual({ term: 2, vote: 3, commit: 4 });
    expect(r.entries.map((e) => `${e.index}/${e.term}`)).toEqual(['1/1', '2/1', '3/1', '4/2', '5/2', '6/2']);
  });

  it('cuts a torn record at the tail and keeps the rest', () => {
    const file = path.join(dir, 'n1.log');
    const s = new FileStorage(file);
    s.save({ entries: ents(1, 3, 1), hardState: { term: 1, vote: 1, commit: 2 } });
    const intact = fs.statSync(file).size;
    s.save({ entries: ents(4, 8, 1) });
    s.close();
    // A crash mid-write: only part of the last record reached the disk.
    fs.truncateSync(file, intact + 11);
    const r = new FileStorage(file);
    expect(r.tornBytes).toBe(11);
    expect(fs.statSync(file).size).toBe(intact);
    expect(r.load().entries.map((e) => e.index)).toEqual([1, 2, 3]);
    expect(r.load().hardState).toEqual({ term: 1, vote: 1, commit: 2 });
    // It appends cleanly after the cut.
    r.save({ entries: ents(4, 4, 2) });
    r.close();
    expect(new FileStorage(file).load().entries.map((e) => `${e.index}/${e.term}`)).toEqual([
      '1/1',
      '2/1',
      '3/1',
      '4/2',
    ]);
  });

  it('detects a corrupted record by its checksum', () => {
    const file = path.join(dir, 'n1.log');
    const s = new FileStorage(file);
    s.save({ entries: ents(1, 2, 1) });
    const first = fs.statSync(file).size;
    s.save({ hardState: { term: 5, vote: 1, commit: 2 } });
    s.close();
    const buf = fs.readFileSync(file);
    buf[first + 12] = buf[first + 12]! ^ 0xff; // flip a payload byte of the second record
    fs.writeFileSync(file, buf);
    const r = new FileStorage(file);
    expect(r.tornBytes).toBe(buf.length - first);
    expect(r.load().hardState.term).toBe(0);
    expect(r.load().entries).toHaveLength(2);
  });

  it('compacts on a snapshot: the file shrinks and restarts from the snapshot', () => {
    const file = path.join(dir, 'n1.log');
    const s = new FileStorage(file);
    for (let i = 0; i < 20; i++) s.save({ entries: ents(i * 10 + 1, i * 10 + 10, 1) });
    const big = fs.statSync(file).size;
    s.save({
      snapshot: { index: 195, term: 1, data: '{"image":true}' },
      hardState: { term: 1, vote: 0, commit: 200 },
    });
    s.close();
    expect(fs.statSync(file).size).toBeLessThan(big / 5);
    const r = new FileStorage(file).load();
    expect(r.snapshot).toEqual({ index: 195, term: 1, data: '{"image":true}' });
    expect(r.entries.map((e) => e.index)).toEqual([196, 197, 198, 199, 200]);
    expect(r.hardState.commit).toBe(200);
  });

  it('carries a 3-node cluster across a full restart from its files', () => {
    const file = (id: number) => path.join(dir, `n${id}.log`);
    const c = new TestCluster(3, {}, (id) => new FileStorage(file(id)));
    const l = c.elect(1);
    for (let i = 0; i < 10; i++) l.propose(`op${i}`);
    c.deliverAll();
    l.compact(5, 'image@5');
    c.deliverAll();
    const before = [...c.nodes.values()].map((n) => ({ ...n.status(), vote: n.vote }));
    for (const s of c.storages.values()) s.close!();
    const again = new TestCluster(3, {}, (id) => new FileStorage(file(id)));
    const after = [...again.nodes.values()].map((n) => ({ ...n.status(), vote: n.vote }));
    for (let i = 0; i < 3; i++) {
      expect(after[i]!.term).toBe(before[i]!.term);
      expect(after[i]!.vote).toBe(before[i]!.vote);
      expect(after[i]!.lastIndex).toBe(before[i]!.lastIndex);
    }
    expect(again.node(1).log.snapIndex).toBe(5);
    // Committed entries come back for the state machine to replay after the snapshot.
    again.flush();
    expect(again.applied.get(1)!.map((e) => e.data)).toEqual(['op4', 'op5', 'op6', 'op7', 'op8', 'op9']);
    for (const s of again.storages.values()) s.close!();
  });

  it('saveAsync writes the same file as save, snapshots included', async () => {
    const a = path.join(dir, 'sync.log');
    const b = path.join(dir, 'async.log');
    const writes = [
      { entries: ents(1, 40, 1), hardState: { term: 1, vote: 1, commit: 30 } },
      { entries: ents(35, 50, 2), hardState: { term: 2, vote: 2, commit: 45 } },
      { snapshot: { index: 45, term: 2, data: 'image@45' } },
      { entries: ents(51, 60, 2), hardState: { term: 2, vote: 2, commit: 58 } },
    ];
    const sa = new FileStorage(a);
    const sb = new FileStorage(b);
    for (const w of writes) {
      sa.save(w);
      await sb.saveAsync(w);
    }
    sa.close();
    sb.close();
    expect(fs.readFileSync(b)).toEqual(fs.readFileSync(a));
    const r = new FileStorage(b).load();
    expect(r.snapshot).toEqual({ index: 45, term: 2, data: 'image@45' });
    expect(r.entries.map((e) => `${e.index}/${e.term}`)).toEqual(ents(46, 60, 2).map((e) => `${e.index}/2`));
    expect(r.hardState).toEqual({ term: 2, vote: 2, commit: 58 });
    expect(fs.existsSync(`${b}.tmp`)).toBe(false);
  });
});
