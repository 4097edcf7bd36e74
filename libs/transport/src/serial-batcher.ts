/**
 * Group commit: callers `add` items and get a promise; at most one flush runs at a time, and
 * everything added while it runs goes out together in the next one. The first flush waits for
 * the current tick to end (or `lingerMs`), so calls made in the same tick share one request.
 *
 * Items are flushed in the order they were added, and flushes never overlap, so a caller that
 * adds A before B sees A sent no later than B (per-key order across publish calls).
 */
export class SerialBatcher<T> {
  private queue: Array<{ item: T; resolve: () => void; reject: (err: unknown) => void }> = [];
  private scheduled = false;
  private running: Promise<void> | null = null;

  constructor(
    private readonly flushFn: (items: T[]) => Promise<void>,
    private readonly lingerMs = 0,
  ) {}

  add(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves once everything added so far has been flushed (or failed). */
  async drain(): Promise<void> {
    while (this.running || this.queue.length > 0 || this.scheduled) {
      if (this.running) await this.running;
      else await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  get pending(): number {
    return this.queue.length;
  }

  private schedule(): void {
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    const go = () => {
      this.scheduled = false;
      this.running = this.flush().finally(() => {
        this.running = null;
        if (this.queue.length > 0) this.schedule();
      });
    };
    if (this.lingerMs > 0) setTimeout(go, this.lingerMs);
    else setImmediate(go);
  }

  private async flush(): Promise<void> {
    const taken = this.queue;
    this.queue = [];
    if (taken.length === 0) return;
    try {
      await this.flushFn(taken.map((t) => t.item));
      for (const t of taken) t.resolve();
    } catch (err) {
      for (const t of taken) t.reject(err);
    }
  }
}
