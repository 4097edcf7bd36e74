import { join } from 'node:path';
import { buildSync } from 'esbuild';

/**
 * The simulation worker's entry bundled into `dir` (tests run from source; `npm run build`
 * compiles the same file to dist/). Returns its path.
 */
export function bundleSimWorker(dir: string): string {
  const script = join(dir, 'sim-worker.js');
  buildSync({
    entryPoints: [join(__dirname, '..', 'src', 'sim-worker.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile: script,
    logLevel: 'warning',
  });
  return script;
}
