// Bundles the k6 scripts (TypeScript, loadtests/k6/src) into plain ES modules k6 runs:
// `npm run k6:build` → loadtests/k6/dist/*.js. k6's own modules stay imports (k6 provides them).
const path = require('node:path');
const esbuild = require('esbuild');

const ENTRIES = ['festival'];

function buildK6(outdir = path.join(__dirname, 'dist')) {
  return esbuild.buildSync({
    entryPoints: ENTRIES.map((e) => path.join(__dirname, 'src', `${e}.ts`)),
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2020',
    external: ['k6', 'k6/*'],
    outdir,
    logLevel: 'warning',
  });
}

module.exports = { buildK6, ENTRIES };

if (require.main === module) {
  buildK6();
  console.log(`k6 scripts bundled into ${path.relative(process.cwd(), path.join(__dirname, 'dist'))}/`);
}
