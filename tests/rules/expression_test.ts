import assert from "node:assert/strict";
import { compileExpression, describeExpression } from "../../rules/expression.ts";

type Dialect = "AVIATOR" | "GROOVY";

const aviator = (source: string, event: Record<string, unknown>, args?: string[]) =>
  compileExpression(source, "AVIATOR", args === undefined ? {} : { args })(event);
const groovy = (source: string, event: Record<string, unknown>) =>
  compileExpression(source, "GROOVY")(event);

type Vector = [source: string, matching: Record<string, unknown>, other: Record<string, unknown>];
const byName = (name: string): Vector => [`name == '${name}'`, { name }, { name: `${name}x` }];
const contains = (s: string): Vector => [`string.contains(name, '${s}')`, { name: `-${s}-` }, {}];

// Every distinct expression in /work/shared/conformance/**/*.json (26 of them), each with an
// event that matches and one that does not.
// deno-fmt-ignore
const VECTOR_EXPRESSIONS: Vector[] = [
  ["action == 0", { action: 0 }, { action: 1 }],
  ...["a", "aa", "ab", "b", "bb", "c", "d", "e", "end", "f", "middle", "start"].map(byName),
  ["price == 5.0", { price: 5 }, { price: 5.5 }],
  ["price > 3.0", { price: 3.5 }, { price: 3 }],
  ...["a", "b", "c", "d", "x"].map(contains),
  ["string.contains(name, 'a') || string.contains(name, 'c')", { name: "xc" }, { name: "b" }],
  ["string.contains(name, 'b') || string.contains(name, 'c')", { name: "b1" }, { name: "a" }],
  ["string.startsWith(name, 'a-')", { name: "a-1" }, { name: "b-a-" }],
  ["string.startsWith(name, 'b-')", { name: "b-2" }, { name: "a-b-" }],
  ["type == 'SubEvent' && name == 'next-one'", { type: "SubEvent", name: "next-one" }, { name: "next-one" }],
  ["type == 'SubEvent' && volume > 5.0", { type: "SubEvent", volume: 10.0 }, { type: "SubEvent", volume: 5.0 }],
]; // deno-fmt-ignore

Deno.test("compileExpression() decides every conformance vector expression like Aviator", () => {
  assert.equal(VECTOR_EXPRESSIONS.length, 26);
  for (const [source, yes, no] of VECTOR_EXPRESSIONS) {
    const condition = compileExpression(source, "AVIATOR");
    assert.equal(condition(yes), true, `${source} on ${JSON.stringify(yes)}`);
    assert.equal(condition(no), false, `${source} on ${JSON.stringify(no)}`);
    assert.equal(condition({}), source.startsWith("!"), `${source} on {}`);
  }
});

Deno.test("compileExpression() keeps the namespace of string.contains(name,'mid') that jexl drops", () => {
  assert.equal(aviator("string.contains(name,'mid')", { name: "xmidy" }), true);
  assert.equal(aviator("string.contains(name,'mid')", { name: "xmiy" }), false);
});

Deno.test('compileExpression() keeps the receiver of Groovy name.contains("mid") that jexl drops', () => {
  assert.equal(groovy('name.contains("mid")', { name: "xmidy" }), true);
  assert.equal(groovy('price > 5.0 && name.contains("mid")', { name: "xmidy", price: 6 }), true);
  assert.equal(groovy('name.contains("mid")', { name: "xmiy" }), false);
});

Deno.test("compileExpression() follows Aviator for nil when a field is missing", () => {
  const cases: Array<[string, boolean]> = [
    ["missing == nil", true],
    ["missing == null", true],
    ["nil == nil", true],
    ["missing != 1", true],
    ["missing == 0", false],
    ["missing < 1", false],
    ["missing <= 1", false],
    ["missing > 1", false],
    ["missing >= 1", false],
    ["!(missing < 1)", true],
    ["missing + 1 > 0", false],
    ["string.contains(missing, 'a')", false],
  ];
  for (const [source, expected] of cases) assert.equal(aviator(source, {}), expected, source);
  assert.equal(aviator("value == nil", { value: null }), true);
});

Deno.test("compileExpression() compares numbers by value and never a string with a number", () => {
  assert.equal(aviator("1 == 1.0 && price == 5 && price == 5.0", { price: 5.0 }), true);
  assert.equal(aviator("price > 3", { price: "4" }), false);
  assert.equal(aviator("price == 4", { price: "4" }), false);
  assert.equal(aviator("price != 4", { price: "4" }), true);
  assert.equal(aviator("name < 'b' && name >= 'a'", { name: "ab" }), true);
});

Deno.test("compileExpression() follows Java precedence and associativity", () => {
  const cases: Array<[string, boolean]> = [
    ["1 + 2 * 3 == 7", true],
    ["10 - 4 - 3 == 3", true],
    ["7 % 4 * 2 == 6", true],
    ["7 / 2 == 3.5", true],
    ["-price == -2 && - -price == 2", true],
    ["true || false && false", true],
    ["!(true && false) && !false", true],
    ["1 < 2 == true", true],
  ];
  for (const [source, expected] of cases) {
    assert.equal(aviator(source, { price: 2 }), expected, source);
  }
});

Deno.test("compileExpression() concatenates with + when either side is a string", () => {
  assert.equal(aviator("name + 1 == 'x1' && 'a' + nil == 'anull'", { name: "x" }), true);
  assert.equal(aviator("name + id == 'x7'", { name: "x", id: 7 }), true);
});

Deno.test("compileExpression() reads nested fields of plain objects with dots", () => {
  const event = { eventArgs: { detail: { price: 20000 } }, list: [1] };
  assert.equal(aviator("eventArgs.detail.price > 10000", event), true);
  assert.equal(aviator("eventArgs.missing.price == nil", event), true);
  assert.equal(aviator("list.length == nil", event), true);
  assert.equal(groovy("eventArgs?.detail?.price == 20000", event), true);
});

Deno.test("compileExpression() reads only own fields, never a prototype or a global", () => {
  for (
    const name of ["constructor", "__proto__", "toString", "hasOwnProperty", "Deno", "globalThis"]
  ) {
    assert.equal(aviator(`${name} == nil`, { a: 1 }), true, name);
    assert.equal(aviator(`${name}.name == nil && ${name}.prototype == nil`, {}), true, name);
  }
  assert.equal(
    aviator("constructor == 1 && __proto__ == 2", JSON.parse('{"constructor":1,"__proto__":2}')),
    true,
  );
  assert.equal(aviator("a == 1", Object.assign(Object.create(null), { a: 1 })), true);
  for (const source of ["this.x == 1", "new Foo()", "Deno.exit(1)", "globalThis.eval('1')"]) {
    for (const dialect of ["AVIATOR", "GROOVY"] as const) {
      assert.throws(() => compileExpression(source, dialect), SyntaxError, `${dialect} ${source}`);
    }
  }
});

Deno.test("compileExpression() names an unsupported construct and its column", () => {
  // Each message ends with ` in "<source>"`.
  // deno-fmt-ignore
  const cases: Array<[string, Dialect, string]> = [
    ["name =~ /x/", "GROOVY", 'Unsupported expression construct "=~" at column 6'],
    ["name ==~ /x/", "AVIATOR", 'Unsupported expression construct "==~" at column 6'],
    ["a ?: b", "AVIATOR", 'Unsupported expression construct "?:" at column 3'],
    ["name =~ 'x'", "AVIATOR", 'Operator "=~" needs a regular expression /.../ on its right at column 9'],
    ["name =~ /(/", "AVIATOR", "Invalid regular expression: /(/: Unterminated group at column 9"],
    ["name =~ /x", "AVIATOR", "Unterminated regular expression at column 9"],
    ["1 ? true : false", "AVIATOR", 'Operator "?:" needs a boolean, got a number at column 3'],
    ["seq.reverse(x) == 1", "AVIATOR", 'Unknown function "seq.reverse" at column 1'],
    ["x = 1", "GROOVY", 'Unsupported expression construct "=" at column 3'],
    ["a[0] == 1", "AVIATOR", 'Unsupported expression construct "[" at column 2'],
    ["x ** 2 > 1", "GROOVY", 'Unsupported expression construct "**" at column 3'],
    ["a and b", "GROOVY", 'Unsupported expression construct "and" at column 3'],
    ["name in ['a']", "GROOVY", 'Unsupported expression construct "in" at column 6'],
    ["x ?: 1", "GROOVY", 'Unsupported expression construct "?:" at column 3'],
    ["a & b", "AVIATOR", 'Unsupported expression construct "&" at column 3'],
    ['"$name" == "a"', "GROOVY", 'Unsupported expression construct "string interpolation" at column 2'],
    ["'#{name}' == 'a'", "AVIATOR", 'Unsupported expression construct "string interpolation" at column 2'],
    ["x?.y == 1", "AVIATOR", 'Unsupported expression construct "?." at column 2'],
    ["x # y", "AVIATOR", 'Unsupported expression construct "#" at column 3'],
    ["10L > x", "AVIATOR", 'Unsupported number literal "10L" at column 1'],
    ["0x1F > x", "AVIATOR", 'Unsupported number literal "0x1F" at column 1'],
    ["name == 'a", "AVIATOR", "Unterminated string at column 9"],
    ["name == 'a\\q'", "AVIATOR", 'Unsupported escape "\\\\q" at column 11'],
    ["(a == 1", "AVIATOR", "Unexpected end of expression at column 8"],
    ["a == 1)", "AVIATOR", 'Unexpected ")" at column 7'],
    ["string.reverse(name)", "AVIATOR", 'Unknown function "string.reverse" at column 1'],
    ["name.contains('x')", "AVIATOR", 'Unknown function "name.contains" (a method call needs dialect GROOVY) at column 1'],
    ["string.contains(name, 'x')", "GROOVY", 'Aviator function "string.contains" is not available in GROOVY at column 8'],
    ["name.reverse() == 'a'", "GROOVY", 'Unknown method "reverse" at column 6'],
    ["string.contains(name)", "AVIATOR", 'Function "string.contains" takes 2 argument(s), got 1 at column 1'],
    ["name.contains()", "GROOVY", 'Method "contains()" takes 1 argument(s), got 0 at column 6'],
  ];
  for (const [source, dialect, problem] of cases) {
    const message = `${problem} in ${JSON.stringify(source)}`;
    assert.throws(
      () => compileExpression(source, dialect),
      { name: "SyntaxError", message },
      source,
    );
  }
  const deep = "(".repeat(1000) + "a" + ")".repeat(1000);
  assert.throws(() => compileExpression(deep, "AVIATOR"), /nests deeper than 100 levels/);
});

Deno.test("compileExpression() rejects a type mismatch that is certain at compile time", () => {
  const cases: Array<[string, RegExp]> = [
    ["!1", /Operator "!" needs a boolean, got a number at column 1/],
    ["1 == 'a'", /Operator "==" cannot compare a number with a string/],
    ["'a' < 1", /Operator "<" cannot compare a string with a number/],
    ["price < nil", /Operator "<" cannot compare a value with nil/],
    ["true + 1 > 0", /Operator "\+" cannot apply to a boolean and a number/],
    ["-'a' == 1", /Operator "-" needs a number, got a string/],
    ["price > 1 && 2", /Operator "&&" needs a boolean, got a number/],
    ["string.contains(1, 'a')", /needs a string as argument 1, got a number/],
    ["1 + 1", /Expression yields a number, not a boolean: "1 \+ 1"/],
  ];
  for (const [source, message] of cases) {
    assert.throws(
      () => compileExpression(source, "AVIATOR"),
      { name: "SyntaxError", message },
      source,
    );
  }
  // A field may hold a boolean, so a bare field is accepted
  assert.equal(aviator("flag", { flag: true }), true);
  assert.equal(aviator("flag", { flag: 1 }), false);
});

Deno.test("compileExpression() counts a non-boolean operand of && || ! as invalid", () => {
  assert.equal(aviator("x && true", { x: 1 }), false);
  assert.equal(aviator("x || true", { x: 1 }), true);
  assert.equal(aviator("!x", { x: 1 }), false);
  assert.equal(aviator("!x", {}), false);
  assert.equal(aviator("!x", { x: false }), true);
  assert.equal(aviator("a && b && c && d", { a: true, b: true, c: true, d: true }), true);
  assert.equal(aviator("a || b || c || d", { d: true }), true);
});

Deno.test("compileExpression() never throws while matching odd events", () => {
  const sources = [
    "price > 3",
    "name == 'a'",
    "string.contains(name, 'a')",
    "string.length(name) > 1",
    "string.substring(name, 1, 9) == 'x'",
    "price * 2 + 1 > name",
    "a.b.c == 1",
    "math.sqrt(price) > 1",
  ];
  const events = [
    {},
    { price: "x", name: 3 },
    { price: null, name: {} },
    { price: NaN, name: [] },
    {
      a: "s",
      price: { valueOf: () => 9 },
    },
  ];
  for (const source of sources) {
    const condition = compileExpression(source, "AVIATOR");
    for (const event of events) assert.equal(typeof condition(event), "boolean", source);
  }
});

Deno.test("compileExpression() provides the Aviator string and math functions", () => {
  const event = { name: "middle-1", price: -2.5 };
  const cases = [
    "string.length(name) == 8",
    "string.indexOf(name, '-') == 6",
    "string.substring(name, 0, 3) == 'mid' && string.substring(name, 7) == '1'",
    "string.substring(name, 5, 99) == nil",
    "string.endsWith(name, '-1') && !string.startsWith(name, '-1')",
    "math.abs(price) == 2.5 && math.round(price) == -2 && math.floor(price) == -3",
    "math.ceil(price) == -2 && math.sqrt(16) == 4 && math.pow(2, 10) == 1024",
    "long('12') == 12 && double('1.5') == 1.5 && long(price) == -2",
  ];
  for (const source of cases) assert.equal(aviator(source, event), true, source);
});

Deno.test("compileExpression() provides the Groovy String methods", () => {
  const event = { name: " Mid ", tags: [1, 2] };
  const cases = [
    'name.trim().equals("Mid") && name.length() == 5 && name.size() == 5',
    'name.toUpperCase().contains("MID") && name.toLowerCase().startsWith(" mid")',
    "tags.size() == 2 && ''.isEmpty() && !name.isEmpty()",
    "name.indexOf('M') == 1 && name.substring(1, 4) == 'Mid' && name.endsWith(' ')",
    "'12'.toInteger() == 12 && '1.5'.toDouble() == 1.5 && missing?.contains('x') == false",
  ];
  for (const source of cases) assert.equal(groovy(source, event), true, source);
});

Deno.test("compileExpression() unescapes string literals as Java does", () => {
  assert.equal(aviator("name == 'it\\'s'", { name: "it's" }), true);
  assert.equal(aviator('name == "a\\\\b\\\\c"', { name: "a\\b\\c" }), true);
  assert.equal(aviator("name == 'a\\tb\\n' && '\\u0041' == 'A'", { name: "a\tb\n" }), true);
  assert.equal(groovy('name == "\\$x"', { name: "$x" }), true);
});

Deno.test("compileExpression() binds $n to the args as strings", () => {
  assert.equal(aviator("name == $0", { name: "10" }, ["10"]), true);
  assert.equal(aviator("price > double($1)", { price: 11 }, ["x", "10"]), true);
  assert.equal(aviator("price > double($1)", { price: 9 }, ["x", "10"]), false);
  assert.throws(() => aviator("name == $1", {}, ["a"]), {
    name: "RangeError",
    message: 'Expression uses "$1" but only 1 args are given',
  });
  assert.throws(() => aviator("price > double($0)", {}, ["abc"]), /Function "double" gives nil/);
});

Deno.test("describeExpression() lists the fields read and the args needed", () => {
  assert.deepEqual(
    describeExpression("eventArgs.detail.price > 1 && string.contains(name, $2)", "AVIATOR"),
    {
      variables: ["eventArgs", "name"],
      argCount: 3,
    },
  );
  assert.deepEqual(describeExpression("1 == 1", "GROOVY"), { variables: [], argCount: 0 });
});

Deno.test("compileExpression() matches a whole string with Aviator's =~ and Groovy's ==~", () => {
  const digits = compileExpression("name =~ /a\\d+/", "AVIATOR");
  assert.deepEqual(
    [{ name: "a12" }, { name: "xa12" }, { name: "a12x" }, { name: 5 }, {}].map(digits),
    [true, false, false, false, false],
  );
  assert.equal(aviator("path =~ /a\\/b/ && action == 0", { path: "a/b", action: 0 }), true);
  assert.equal(groovy("name ==~ /mid.*/ || name ==~ /end/", { name: "middle" }), true);
  assert.equal(groovy("name ==~ /mid.*/ || name ==~ /end/", { name: "the end" }), false);
});

Deno.test("compileExpression() reads Aviator's ternary, right-associative and below ||", () => {
  const tiered = compileExpression(
    "action == 0 ? price > 10 : action == 1 ? price > 100 : false",
    "AVIATOR",
  );
  assert.deepEqual(
    [
      { action: 0, price: 11 },
      { action: 0, price: 9 },
      { action: 1, price: 50 },
      { action: 1, price: 150 },
      { action: 2, price: 150 },
      { price: 150 },
    ].map(tiered),
    [true, false, false, true, false, false],
  );
  assert.equal(aviator("(action == 0 ? 'view' : 'buy') == 'buy'", { action: 1 }), true);
  assert.equal(aviator("flag ? true : false", { flag: "yes" }), false); // only true is true
  assert.deepEqual(describeExpression("a ? b : c", "AVIATOR").variables, ["a", "b", "c"]);
});

Deno.test("compileExpression() runs Aviator's seq functions on lists, maps and split strings", () => {
  const cases: Array<[string, Record<string, unknown>, boolean]> = [
    ["include(seq.list('Ken', 'Tom'), name)", { name: "Tom" }, true],
    ["include(seq.list('Ken', 'Tom'), name)", { name: "Ali" }, false],
    ["include(seq.set(1, 2, 2), action)", { action: 2 }, true],
    ["count(seq.set(1, 2, 2)) == 2", {}, true],
    ["include(string.split(tags, ','), 'vip')", { tags: "new,vip,x" }, true],
    ["count(string.split(tags, ',')) == 2", { tags: "a,b,,," }, true],
    ["seq.contains_key(eventArgs, 'group')", { eventArgs: { group: "a" } }, true],
    ["seq.contains_key(eventArgs, 'group')", { eventArgs: "{}" }, false],
    ["seq.get(eventArgs, 'group') == 'a'", { eventArgs: { group: "a" } }, true],
    ["seq.get(seq.list(5, 6, 7), action) == 6", { action: 1 }, true],
    ["seq.get(seq.list(5, 6, 7), action) == nil", { action: 3 }, true],
    ["seq.max(seq.list(3, price, 4)) == 9", { price: 9 }, true],
    ["seq.min(seq.list('b', name)) == 'a'", { name: "a" }, true],
    ["max(price, 10) == 10 && min(price, 10) == 2", { price: 2 }, true],
    ["count(name) == 3", { name: "Ken" }, true],
    ["string.join(seq.list(name, action), '-') == 'Ken-0'", { name: "Ken", action: 0 }, true],
    ["string.join(tuple('a', 'b')) == 'ab'", {}, true],
  ];
  for (const [source, event, expected] of cases) {
    assert.equal(aviator(source, event), expected, `${source} on ${JSON.stringify(event)}`);
  }
});

Deno.test("compileExpression() runs Aviator's regex string, conversion and math functions", () => {
  const cases: Array<[string, Record<string, unknown>, boolean]> = [
    ["string.replace_all(name, '\\\\d', '#') == 'a##b#'", { name: "a12b3" }, true],
    ["string.replace_first(name, '(\\\\w)(\\\\d)', '$2$1') == '1ab2'", { name: "a1b2" }, true],
    ["string.replace_all(name, 'x', '\\\\$') == 'a$'", { name: "ax" }, true],
    ["str(action) == '0' && str(nothing) == 'null'", { action: 0 }, true],
    ["boolean(name) && !boolean(nothing)", { name: "" }, true],
    ["math.log10(price) == 2", { price: 100 }, true],
    ["math.log(price) == 0 && math.cos(0) == 1 && math.sin(0) == 0", { price: 1 }, true],
    ["math.atan(0) == 0 && math.asin(0) == 0 && math.acos(1) == 0 && math.tan(0) == 0", {}, true],
    ["string.split(name, '(') == nil", { name: "a(b" }, true], // a bad regex is nil
  ];
  for (const [source, event, expected] of cases) {
    assert.equal(aviator(source, event), expected, `${source} on ${JSON.stringify(event)}`);
  }
  // Constant calls are computed once, at compile time
  assert.equal(aviator("count(string.split('010;020', ';')) == 2", {}), true);
});
