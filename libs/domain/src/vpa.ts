/**
 * Virtual Payment Address: `local@handle`. NPCI allows letters, digits, dot, hyphen and underscore
 * in the local part; the handle names the PSP (or bank) that issued the address.
 */
export interface Vpa {
  readonly local: string;
  readonly handle: string;
}

const VPA_RE = /^([A-Za-z0-9._-]{2,64})@([A-Za-z][A-Za-z0-9]{1,31})$/;

export function parseVpa(text: unknown): Vpa | null {
  if (typeof text !== 'string') return null;
  const m = VPA_RE.exec(text);
  if (!m) return null;
  return { local: m[1]!.toLowerCase(), handle: m[2]!.toLowerCase() };
}

export function formatVpa(vpa: Vpa): string {
  return `${vpa.local}@${vpa.handle}`;
}

/** Canonical form (lower case), or null when malformed. */
export function normaliseVpa(text: unknown): string | null {
  const v = parseVpa(text);
  return v ? formatVpa(v) : null;
}
