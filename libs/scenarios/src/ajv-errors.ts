import type { ErrorObject } from 'ajv';

/** `/topology/banks/2/capacityTps` → `topology.banks[2].capacityTps`; the root is `(root)`. */
export function dataPath(instancePath: string, child?: string): string {
  const parts = instancePath.split('/').slice(1);
  if (child !== undefined) parts.push(child);
  let out = '';
  for (const raw of parts) {
    const p = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(p) ? `[${p}]` : out === '' ? p : `.${p}`;
  }
  return out === '' ? '(root)' : out;
}

/** One `path: message` line per ajv error, in words a scenario author understands. */
export function formatAjvErrors(errors: readonly ErrorObject[] | null | undefined): string[] {
  const out: string[] = [];
  for (const e of errors ?? []) {
    const params = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case 'if':
        continue; // the failing `then` branch reports the real problem
      case 'required':
        out.push(`${dataPath(e.instancePath, String(params.missingProperty))}: is required`);
        break;
      case 'additionalProperties':
        out.push(`${dataPath(e.instancePath, String(params.additionalProperty))}: is not a known field`);
        break;
      case 'enum':
        out.push(
          `${dataPath(e.instancePath)}: must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
        );
        break;
      case 'const':
        out.push(`${dataPath(e.instancePath)}: must be ${JSON.stringify(params.allowedValue)}`);
        break;
      default:
        out.push(`${dataPath(e.instancePath)}: ${e.message ?? e.keyword}`);
    }
  }
  return [...new Set(out)];
}
