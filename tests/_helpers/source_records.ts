/** Reads a batch source record by record, for tests that check what each record carried. */

import type { SourceBatch, SourceItem } from "../../io/event_source.ts";

/** One record of a batch. */
export interface TestRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly value: string | null;
}

/** The records of a batch, in order. */
export function recordsOf(batch: SourceBatch): TestRecord[] {
  return batch.values.map((value, i) => ({
    topic: batch.topic,
    partition: batch.partition,
    offset: batch.offsets[i]!,
    value,
  }));
}

/** An iterator over the records of a batch iterator; pulls the next batch only when needed. */
export function eachRecord(batches: AsyncIterator<SourceItem>): AsyncIterator<TestRecord> {
  let pending: TestRecord[] = [];
  return {
    async next(): Promise<IteratorResult<TestRecord>> {
      while (pending.length === 0) {
        const next = await batches.next();
        if (next.done) return { done: true, value: undefined };
        if (next.value.type === "batch") pending = recordsOf(next.value);
      }
      return { done: false, value: pending.shift()! };
    },
  };
}

/** Every record of a finite batch source. */
export async function collectRecords(source: AsyncIterable<SourceItem>): Promise<TestRecord[]> {
  const records: TestRecord[] = [];
  for await (const item of source) if (item.type === "batch") records.push(...recordsOf(item));
  return records;
}
