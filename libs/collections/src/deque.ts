/**
 * An array-backed double-ended queue: O(1) amortised push/pop at the back and pop at the front.
 * The consumed prefix is compacted once it is at least half the array, so memory stays bounded.
 */
export class Deque<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(x: T): void {
    this.items.push(x);
  }

  /** The i-th item from the front (0-based), or undefined. */
  at(i: number): T | undefined {
    return i >= 0 && i < this.length ? this.items[this.head + i] : undefined;
  }

  peekFront(): T | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  popFront(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const x = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return x;
  }

  popBack(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const x = this.items.pop();
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    }
    return x;
  }
}
