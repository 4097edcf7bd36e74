/** Where the account behind a VPA lives: the payee PSP's `ReqAuthDetails` answer, as a lookup. */
export interface AccountRef {
  readonly bank: string;
  readonly account: string;
}

export interface Directory {
  resolve(vpa: string): AccountRef | null;
}

export class MapDirectory implements Directory {
  private readonly map: ReadonlyMap<string, AccountRef>;

  constructor(entries: Iterable<readonly [string, AccountRef]>) {
    this.map = new Map(entries);
  }

  resolve(vpa: string): AccountRef | null {
    return this.map.get(vpa) ?? null;
  }
}
