/** The PSP behind each VPA handle, from the reference. Scenarios may add more. */
export const DEFAULT_HANDLES: Readonly<Record<string, string>> = {
  ybl: 'PHONEPE',
  ibl: 'PHONEPE',
  axl: 'PHONEPE',
  okicici: 'GPAY',
  okhdfcbank: 'GPAY',
  oksbi: 'GPAY',
  okaxis: 'GPAY',
  paytm: 'PAYTM',
  ptyes: 'PAYTM',
  sbi: 'BHIM',
  hdfcbank: 'BHIM',
  icici: 'BHIM',
  upi: 'BHIM',
};

export type HandleRegistry = ReadonlyMap<string, string>;

export function handleRegistry(entries: Iterable<[string, string]>): HandleRegistry {
  return new Map([...entries].map(([h, p]) => [h.toLowerCase(), p]));
}
