import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../../libs/domain/src';
import { checkWritable, writeOutput } from './output';

describe('command outputs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'upi-out-'));
  const aFile = join(dir, 'a-file.txt');
  writeFileSync(aFile, 'kept');

  it('checkWritable creates the directory, leaves no file behind and an existing one untouched', () => {
    const fresh = join(dir, 'new', 'deeper', 'result.json');
    checkWritable(fresh);
    expect(existsSync(join(dir, 'new', 'deeper'))).toBe(true);
    expect(existsSync(fresh)).toBe(false);
    checkWritable(aFile);
    expect(readFileSync(aFile, 'utf8')).toBe('kept');
  });

  it('an output that cannot be written is refused, naming the path, before anything runs', () => {
    const under = join(aFile, 'result.json'); // a directory that is a file
    expect(() => checkWritable(under)).toThrow(InputError);
    expect(() => checkWritable(under)).toThrow(`cannot write ${under}: `);
    expect(() => writeOutput(under, '{}')).toThrow(InputError);
  });

  it('writeOutput writes, creating the directory', () => {
    const p = join(dir, 'out', 'plan.json');
    writeOutput(p, '{"ok":true}\n');
    expect(readFileSync(p, 'utf8')).toBe('{"ok":true}\n');
  });
});
