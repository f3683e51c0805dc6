import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { checkpointTableNames, compareSinkProgress } from "../../io/checkpoint_store.ts";

Deno.test("checkpointTableNames() uses a plain lower-case group as is", () => {
  assertEquals(checkpointTableNames("cep_group_1"), {
    format: "edgecep_cep_group_1_format",
    partitions: "edgecep_cep_group_1_partitions",
    state: "edgecep_cep_group_1_state",
  });
});

Deno.test("checkpointTableNames() adds a hash when the group has other characters", () => {
  assertEquals(checkpointTableNames("Demo-Group.v2"), {
    format: "edgecep_demo_group_v2_5503de16_format",
    partitions: "edgecep_demo_group_v2_5503de16_partitions",
    state: "edgecep_demo_group_v2_5503de16_state",
  });
  // Case alone separates groups, also on servers whose table names ignore case.
  assertEquals(checkpointTableNames("demo").state, "edgecep_demo_state");
  assertEquals(checkpointTableNames("DEMO").state, "edgecep_demo_4ff006ca_state");
});

Deno.test("checkpointTableNames() cuts a long group to MySQL's 64 characters", () => {
  const names = checkpointTableNames("g".repeat(100));
  assertEquals(names.partitions.length, 64);
  assertEquals(names.partitions, `edgecep_${"g".repeat(36)}_6802f092_partitions`);
  assertEquals(checkpointTableNames("g".repeat(45)).partitions.length, 64);
  assertEquals(
    checkpointTableNames("g".repeat(45)).partitions,
    `edgecep_${"g".repeat(45)}_partitions`,
  );
});

Deno.test("checkpointTableNames() throws RangeError when the group is empty", () => {
  assertThrows(
    () => checkpointTableNames(""),
    new RangeError('Invalid consumer group "": it is empty'),
  );
});

Deno.test("compareSinkProgress() orders by event time, then by offset as a 64-bit number", () => {
  const at = (eventTime: number, offset: string) => ({ eventTime, offset });
  assertEquals(compareSinkProgress(at(1, "900"), at(2, "1")), -1);
  assertEquals(compareSinkProgress(at(2, "1"), at(1, "900")), 1);
  assertEquals(compareSinkProgress(at(0, "9"), at(0, "10")), -1);
  assertEquals(compareSinkProgress(at(0, "9223372036854775807"), at(0, "9223372036854775806")), 1);
  assertEquals(compareSinkProgress(at(0, "5"), at(0, "5")), 0);
});
