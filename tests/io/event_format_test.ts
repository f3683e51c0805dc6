import assert from "node:assert/strict";
import { createEventParser, parseEvent } from "../../io/event_format.ts";
import { eventFieldNames, parseEventFields } from "../../io/event_fields.ts";

function assertEquals(actual: unknown, expected: unknown): void {
  assert.deepStrictEqual(actual, expected);
}

/** Checks the error's class (exactly, not a subclass) and that its message contains `text`. */
function assertThrows(fn: () => unknown, type: ErrorConstructor, text: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof Error, "expected an Error");
    assert.equal(error.constructor, type);
    assert.ok(error.message.includes(text), `"${error.message}" does not contain "${text}"`);
    return true;
  });
}

Deno.test("parseEvent() reads the demo's CSV line", () => {
  assertEquals(parseEvent("1,Ken,0,1,1662022777000", "csv"), {
    id: 1,
    name: "Ken",
    action: 0,
    productionId: 1,
    eventTime: 1662022777000,
  });
});

Deno.test("parseEvent() keeps the sixth CSV field as eventArgs", () => {
  assertEquals(parseEvent("2,Ann,1,7,1662022778000,vip", "csv"), {
    id: 2,
    name: "Ann",
    action: 1,
    productionId: 7,
    eventTime: 1662022778000,
    eventArgs: "vip",
  });
});

Deno.test("parseEvent() ignores a trailing line ending in CSV", () => {
  assertEquals(parseEvent("1,Ken,0,1,5\r\n", "csv").eventTime, 5);
});

Deno.test("parseEvent() accepts signed integers in CSV", () => {
  assertEquals(parseEvent("-3,Ken,+1,0,-5", "csv"), {
    id: -3,
    name: "Ken",
    action: 1,
    productionId: 0,
    eventTime: -5,
  });
});

Deno.test("parseEvent() throws RangeError when the CSV line has too few fields", () => {
  assertThrows(
    () => parseEvent("1,Ken,0", "csv"),
    RangeError,
    "Cannot parse event: expected at least 5 comma-separated fields, got 3",
  );
});

Deno.test("parseEvent() keeps everything after the fifth comma as eventArgs, commas included", () => {
  const line = '1,Ken,0,1,1662022777000,{"detail": {"price": 12300}, "group": "vip"}\n';
  assertEquals(parseEvent(line, "csv"), {
    id: 1,
    name: "Ken",
    action: 0,
    productionId: 1,
    eventTime: 1662022777000,
    eventArgs: '{"detail": {"price": 12300}, "group": "vip"}',
  });
  assertEquals(parseEvent("1,Ken,0,1,2,x,y", "auto").eventArgs, "x,y");
});

Deno.test("parseEvent() throws SyntaxError when a CSV number is not an integer", () => {
  assertThrows(
    () => parseEvent("1,Ken,zero,1,1662022777000", "csv"),
    SyntaxError,
    'Cannot parse event: field "action" value "zero" is not an integer',
  );
  assertThrows(() => parseEvent("1.5,Ken,0,1,2", "csv"), SyntaxError, 'field "id"');
  assertThrows(() => parseEvent(" 1,Ken,0,1,2", "csv"), SyntaxError, 'field "id"');
  assertThrows(() => parseEvent("1,Ken,0,,2", "csv"), SyntaxError, 'field "productionId"');
});

Deno.test("parseEvent() throws RangeError when a CSV number is out of range", () => {
  assertThrows(
    () => parseEvent("2147483648,Ken,0,1,2", "csv"),
    RangeError,
    'field "id" value "2147483648" is not an integer in -2147483648..2147483647',
  );
  assertThrows(
    () => parseEvent("1,Ken,0,1,9007199254740993", "csv"),
    RangeError,
    'field "eventTime" value "9007199254740992" is not a safe integer',
  );
});

Deno.test("parseEvent() reads a JSON object and keeps its extra fields", () => {
  const value =
    '{"id":1,"name":"Ken","action":0,"productionId":1,"eventTime":1662022777000,"price":9.5}';
  assertEquals(parseEvent(value, "json"), {
    id: 1,
    name: "Ken",
    action: 0,
    productionId: 1,
    eventTime: 1662022777000,
    price: 9.5,
  });
});

Deno.test("parseEvent() throws SyntaxError when the JSON is invalid", () => {
  assertThrows(
    () => parseEvent('{"id":1,', "json"),
    SyntaxError,
    "Cannot parse event: value is not valid JSON",
  );
});

Deno.test("parseEvent() throws TypeError when the JSON is not an object", () => {
  assertThrows(
    () => parseEvent("[1,2]", "json"),
    TypeError,
    'Cannot parse event: expected a JSON object, got "array"',
  );
  assertThrows(() => parseEvent("null", "json"), TypeError, 'got "null"');
  assertThrows(() => parseEvent("7", "json"), TypeError, 'got "number"');
});

Deno.test("parseEvent() throws TypeError when a JSON field is missing or mistyped", () => {
  assertThrows(
    () => parseEvent('{"id":1,"name":"Ken","action":0,"eventTime":5}', "json"),
    TypeError,
    'Cannot parse event: field "productionId" must be a number, got "missing"',
  );
  assertThrows(
    () => parseEvent('{"id":"1","name":"Ken","action":0,"productionId":1,"eventTime":5}', "json"),
    TypeError,
    'field "id" must be a number, got "string"',
  );
  assertThrows(
    () => parseEvent('{"id":1,"name":3,"action":0,"productionId":1,"eventTime":5}', "json"),
    TypeError,
    'field "name" must be a string, got "number"',
  );
});

Deno.test("parseEvent() throws RangeError when a JSON number is not an integer", () => {
  assertThrows(
    () => parseEvent('{"id":1,"name":"Ken","action":0.5,"productionId":1,"eventTime":5}', "json"),
    RangeError,
    'field "action" value "0.5" is not an integer in -2147483648..2147483647',
  );
  assertThrows(
    () => parseEvent('{"id":1,"name":"Ken","action":0,"productionId":1,"eventTime":1.5}', "json"),
    RangeError,
    'field "eventTime" value "1.5" is not a safe integer',
  );
});

Deno.test("parseEvent() picks JSON for a value starting with a brace when format is auto", () => {
  const json = ' {"id":1,"name":"Ken","action":0,"productionId":1,"eventTime":5}';
  assertEquals(parseEvent(json, "auto").eventTime, 5);
  assertEquals(parseEvent("1,Ken,0,1,5", "auto").eventTime, 5);
  assertThrows(() => parseEvent("{oops", "auto"), SyntaxError, "not valid JSON");
  assertThrows(() => parseEvent("oops", "auto"), RangeError, "got 1");
});

Deno.test("parseEvent() throws RangeError when the format is unknown", () => {
  assertThrows(
    () => parseEvent("1,Ken,0,1,5", "xml" as "csv"),
    RangeError,
    'Cannot parse event: format "xml" is not csv, json or auto',
  );
});

const SEED_FIELDS = "id,name=username,action,productionId=product_id,eventTime=event_time";

Deno.test("createEventParser() reads the seed's JSON names into the canonical fields", () => {
  const parse = createEventParser({ format: "auto", fields: parseEventFields(SEED_FIELDS) });
  const event = parse(
    '{"id":1,"username":"Ken","action":0,"product_id":7,"event_time":1662022777000}',
  );
  assertEquals(
    [event.id, event.name, event.action, event.productionId, event.eventTime],
    [1, "Ken", 0, 7, 1662022777000],
  );
  assertEquals(parse("1,Ken,0,7,1662022777000"), {
    id: 1,
    name: "Ken",
    action: 0,
    productionId: 7,
    eventTime: 1662022777000,
  });
});

Deno.test("createEventParser() names the record's own field when a mapped JSON field is wrong", () => {
  const parse = createEventParser({ format: "json", fields: parseEventFields(SEED_FIELDS) });
  assertThrows(
    () => parse('{"id":1,"username":"Ken","action":0,"productionId":7,"event_time":5}'),
    TypeError,
    'Cannot parse event: field "product_id" must be a number, got "missing"',
  );
});

Deno.test("createEventParser() reads CSV columns in the mapped order, extra ones as text", () => {
  const fields = parseEventFields("eventTime,productionId,id,channel,action,name,eventArgs*");
  const parse = createEventParser({ format: "csv", fields });
  assertEquals(parse("1662022777000,7,1,web,0,Ken,a,b"), {
    eventTime: 1662022777000,
    productionId: 7,
    id: 1,
    channel: "web",
    action: 0,
    name: "Ken",
    eventArgs: "a,b",
  });
  assertEquals(parse("5,7,1,web,0,Ken").eventArgs, undefined);
  assertThrows(
    () => parse("5,7,1,web"),
    RangeError,
    "Cannot parse event: expected at least 6 comma-separated fields, got 4",
  );
  assertThrows(
    () => parse("5,x,1,web,0,Ken"),
    SyntaxError,
    'Cannot parse event: field "productionId" value "x" is not an integer',
  );
  assertEquals(eventFieldNames(fields), [
    "eventTime",
    "productionId",
    "id",
    "channel",
    "action",
    "name",
    "eventArgs",
  ]);
});

Deno.test("createEventParser() ignores columns after the mapped ones", () => {
  const parse = createEventParser({
    format: "csv",
    fields: parseEventFields("id,name,action,productionId,eventTime"),
  });
  assertEquals(parse("1,Ken,0,1,5,x,y"), {
    id: 1,
    name: "Ken",
    action: 0,
    productionId: 1,
    eventTime: 5,
  });
});

Deno.test("parseEventFields() names what is wrong with a mapping", () => {
  assertThrows(
    () => parseEventFields("id,name,action,productionId"),
    RangeError,
    'Event fields: "eventTime" must be mapped, in "id,name,action,productionId"',
  );
  assertThrows(
    () => parseEventFields("id,name,action,productionId,eventTime,id"),
    RangeError,
    'Event fields: "id" is given twice',
  );
  assertThrows(
    () => parseEventFields("id,user=username,action,productionId,eventTime"),
    RangeError,
    'Event fields: "user" in "user=username" is not one of id, name, action, productionId, eventTime',
  );
  assertThrows(
    () => parseEventFields("id,name,action,productionId,eventTime,a b"),
    SyntaxError,
    'Event fields: "a b" is not a name or name=name',
  );
  assertThrows(
    () => parseEventFields("id,rest*,name,action,productionId,eventTime"),
    SyntaxError,
    'Event fields: only the last column may end in "*", not "rest*"',
  );
});
