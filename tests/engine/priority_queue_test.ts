import assert from "node:assert/strict";
// The queue is private to engine/; its exact order decides which matches skip strategies keep.
import { PriorityQueue } from "../../engine/_priority_queue.ts";

/** java.util.PriorityQueue on a plain array, as in the JDK's source: the reference. */
class JavaPriorityQueue {
  readonly items: number[] = [];
  constructor(readonly compare: (a: number, b: number) => number) {}
  add(x: number): void {
    let k = this.items.length;
    this.items.push(x);
    while (k > 0) {
      const parent = (k - 1) >>> 1;
      if (this.compare(x, this.items[parent]!) >= 0) break;
      this.items[k] = this.items[parent]!;
      k = parent;
    }
    this.items[k] = x;
  }
  poll(): number | undefined {
    if (this.items.length === 0) return undefined;
    const result = this.items[0];
    const last = this.items.pop()!;
    if (this.items.length > 0) this.siftDown(0, last);
    return result;
  }
  removeIf(predicate: (x: number) => boolean): void {
    const kept = this.items.filter((x) => !predicate(x));
    this.items.length = 0;
    this.items.push(...kept);
    for (let i = (kept.length >>> 1) - 1; i >= 0; i--) this.siftDown(i, this.items[i]!);
  }
  siftDown(start: number, x: number): void {
    const n = this.items.length;
    let k = start;
    while (k < n >>> 1) {
      let child = 2 * k + 1;
      if (child + 1 < n && this.compare(this.items[child]!, this.items[child + 1]!) > 0) child++;
      if (this.compare(x, this.items[child]!) <= 0) break;
      this.items[k] = this.items[child]!;
      k = child;
    }
    this.items[k] = x;
  }
}

Deno.test("PriorityQueue keeps java.util.PriorityQueue's array order", () => {
  const queue = new PriorityQueue<number>((a, b) => a - b);
  for (const x of [5, 3, 8, 1, 9, 2, 7]) queue.add(x);
  assert.deepEqual([...queue], [1, 3, 2, 5, 9, 8, 7]);
  assert.equal(queue.poll(), 1);
  assert.deepEqual([...queue], [2, 3, 7, 5, 9, 8]);
});

Deno.test("PriorityQueue matches the JDK's algorithm on random operations, ties included", () => {
  // Compare by hundreds only: equal keys are frequent, and their order is the heap's.
  const compare = (a: number, b: number) => Math.floor(a / 100) - Math.floor(b / 100);
  let seed = 7;
  const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  for (let round = 0; round < 200; round++) {
    const queue = new PriorityQueue<number>(compare);
    const moved = new PriorityQueue<number>(compare);
    const reference = new JavaPriorityQueue(compare);
    for (let op = 0; op < 60; op++) {
      const choice = random(10);
      if (choice < 6) {
        const x = random(8) * 100 + op;
        queue.add(x);
        reference.add(x);
      } else if (choice < 8) {
        assert.equal(queue.poll(), reference.poll());
      } else if (choice < 9) {
        const odd = (x: number) => x % 2 === 1;
        queue.removeIf(odd);
        reference.removeIf(odd);
      } else {
        // Into a queue that holds other elements, as many or more, and back.
        for (let i = random(queue.size + 8); i >= 0; i--) moved.add(-1 - i);
        moved.moveFrom(queue);
        assert.equal(queue.size, 0);
        queue.moveFrom(moved);
        assert.equal(moved.size, 0);
      }
      assert.deepEqual([...queue], reference.items);
      assert.equal(queue.size, reference.items.length);
      assert.equal(queue.peek(), reference.items[0]);
    }
  }
});

Deno.test("PriorityQueue.assign() keeps the given array order without comparing", () => {
  let compared = 0;
  const queue = new PriorityQueue<number>((a, b) => (compared++, a - b));
  for (const x of [9, 8, 7]) queue.add(x);
  compared = 0;
  queue.assign([1, 5, 2, 6, 5, 3]);
  assert.equal(compared, 0);
  assert.deepEqual([...queue], [1, 5, 2, 6, 5, 3]);
  assert.deepEqual([queue.poll(), queue.poll(), queue.poll()], [1, 2, 3]);
  queue.assign([4]);
  assert.deepEqual([...queue], [4]);
});
