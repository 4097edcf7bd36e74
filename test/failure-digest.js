/**
 * A jest reporter that ends the run with one short block per failed test: its file, its name and
 * the first lines of what failed. CI keeps only the head and tail of a long log, and jest prints a
 * failure's detail in the middle, after the file's console output; this puts it in the tail.
 */
const { relative } = require('node:path');

const ANSI = /\u001b\[[0-9;]*m/g;
/** Lines of one failure worth reading: no stack frames, no code frame, no blank lines. */
const LINES_PER_FAILURE = 12;
const MAX_FAILURES = 6;

function gist(message) {
  return message
    .replace(ANSI, '')
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '' && !/^\s+at /.test(l) && !/^\s*(>?\s*\d+ \||\|)/.test(l))
    .slice(0, LINES_PER_FAILURE);
}

class FailureDigest {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const failures = [];
    for (const file of results.testResults) {
      const name = relative(this.rootDir, file.testFilePath);
      if (file.testExecError)
        failures.push({ title: `${name} (did not run)`, lines: gist(file.testExecError.message) });
      for (const a of file.testResults)
        if (a.status === 'failed')
          failures.push({ title: `${name} › ${a.fullName}`, lines: gist(a.failureMessages.join('\n')) });
    }
    if (failures.length === 0) return;
    const out = [`== failure digest: ${failures.length} failed`];
    for (const f of failures.slice(0, MAX_FAILURES))
      out.push(`✕ ${f.title}`, ...f.lines.map((l) => `    ${l}`));
    if (failures.length > MAX_FAILURES) out.push(`… and ${failures.length - MAX_FAILURES} more`);
    process.stdout.write(`${out.join('\n')}\n`);
  }
}

module.exports = FailureDigest;
