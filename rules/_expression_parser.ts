/**
 * Recursive-descent (precedence climbing) parser for the Aviator / Groovy expression subset.
 * It only builds the tree; names of functions and types are checked by the compiler.
 *
 * @module
 */

import { type Dialect, type Token, tokenize, where } from "./_expression_lexer.ts";

/** Binary operators of the subset. */
export type BinaryOperator =
  | "||"
  | "&&"
  | "=="
  | "!="
  | "<"
  | "<="
  | ">"
  | ">="
  | "+"
  | "-"
  | "*"
  | "/"
  | "%"
  | "=~"
  | "==~";

/** A literal's value; `null` is Aviator's `nil` and Groovy's `null`. */
export type LiteralValue = number | string | boolean | null;

/**
 * A parsed expression. A Groovy method call `s.contains(x)` is the call `.contains` with the
 * receiver as first argument; an Aviator call keeps its full name, e.g. `string.contains`.
 */
export type ExpressionNode =
  | { readonly kind: "literal"; readonly value: LiteralValue; readonly pos: number }
  | { readonly kind: "field"; readonly path: readonly string[]; readonly pos: number }
  | { readonly kind: "arg"; readonly index: number; readonly pos: number }
  | {
    readonly kind: "unary";
    readonly operator: "!" | "-";
    readonly operand: ExpressionNode;
    readonly pos: number;
  }
  | {
    readonly kind: "binary";
    readonly operator: BinaryOperator;
    readonly left: ExpressionNode;
    readonly right: ExpressionNode;
    readonly pos: number;
  }
  | {
    readonly kind: "call";
    readonly name: string;
    readonly args: readonly ExpressionNode[];
    readonly pos: number;
  }
  | {
    /** `test ? then : otherwise`. */
    readonly kind: "conditional";
    readonly test: ExpressionNode;
    readonly then: ExpressionNode;
    readonly otherwise: ExpressionNode;
    readonly pos: number;
  }
  | { readonly kind: "regex"; readonly pattern: string; readonly pos: number };

// Java's precedence, which both Aviator and Groovy keep for this subset.
const PRECEDENCE: Readonly<Record<string, number>> = {
  "||": 1,
  "&&": 2,
  "==": 3,
  "!=": 3,
  // Aviator's =~ and Groovy's ==~ sit with == (Aviator's operator table, Groovy's precedence)
  "=~": 3,
  "==~": 3,
  "<": 4,
  "<=": 4,
  ">": 4,
  ">=": 4,
  "+": 5,
  "-": 5,
  "*": 6,
  "/": 6,
  "%": 6,
};

// Operators that have a place in the subset; any other operator token is a named, unsupported
// construct rather than a generic "unexpected" one.
const SUPPORTED = new Set([...Object.keys(PRECEDENCE), "!", "(", ")", ",", ".", "?", ":"]);

// Groovy's =~ yields a Matcher, not a boolean; Aviator has no ==~.
const MATCH_OPERATOR: Readonly<Record<Dialect, string>> = { AVIATOR: "=~", GROOVY: "==~" };

// Keywords of either language that would otherwise read as a field name and silently be nil.
const RESERVED = new Set(
  ("and as class def else fn for if import in instanceof lambda let" +
    " new not or return super this throw try use var while").split(" "),
);

const LITERALS: ReadonlyMap<string, LiteralValue> = new Map<string, LiteralValue>([
  ["true", true],
  ["false", false],
  ["nil", null],
  ["null", null],
]);

const MAX_DEPTH = 100;

/**
 * Parses an expression of the subset.
 *
 * @param source the expression text
 * @param dialect `AVIATOR` (calls are `string.contains(s, x)`) or `GROOVY` (calls are methods:
 *   `s.contains(x)`, and `?.` reads like `.`)
 * @returns the expression tree
 * @throws {SyntaxError} naming the first token outside the subset and its column
 */
export function parseExpression(source: string, dialect: Dialect): ExpressionNode {
  return new Parser(source, dialect).parseAll();
}

class Parser {
  readonly #source: string;
  readonly #dialect: Dialect;
  readonly #tokens: Token[];
  #index = 0;
  #depth = 0;

  constructor(source: string, dialect: Dialect) {
    this.#source = source;
    this.#dialect = dialect;
    this.#tokens = tokenize(source, dialect);
  }

  parseAll(): ExpressionNode {
    const node = this.#expression();
    if (this.#peek().kind !== "end") throw this.#unexpected(this.#peek());
    return node;
  }

  #peek(ahead = 0): Token {
    return this.#tokens[Math.min(this.#index + ahead, this.#tokens.length - 1)]!;
  }

  #next(): Token {
    const token = this.#peek();
    this.#index++;
    return token;
  }

  #isOperator(token: Token, ...texts: string[]): boolean {
    return token.kind === "operator" && texts.includes(token.text);
  }

  #isDot(token: Token): boolean {
    return this.#isOperator(token, ".") ||
      (this.#dialect === "GROOVY" && this.#isOperator(token, "?."));
  }

  #expect(text: string): void {
    const token = this.#next();
    if (!this.#isOperator(token, text)) throw this.#unexpected(token);
  }

  #unexpected(token: Token): SyntaxError {
    const at = where(this.#source, token.pos);
    if (token.kind === "end") return new SyntaxError(`Unexpected end of expression ${at}`);
    const quoted = JSON.stringify(token.text);
    const groovyOnly = this.#dialect === "GROOVY" && token.text === "?.";
    const unsupported = (token.kind === "operator" && !SUPPORTED.has(token.text) && !groovyOnly) ||
      (token.kind === "name" && RESERVED.has(token.text));
    return new SyntaxError(
      unsupported
        ? `Unsupported expression construct ${quoted} ${at}`
        : `Unexpected ${quoted} ${at}`,
    );
  }

  // The ternary `a ? b : c`, below `||` and right-associative, as in Java and Aviator.
  #expression(): ExpressionNode {
    const test = this.#binary(1);
    const token = this.#peek();
    if (!this.#isOperator(token, "?")) return test;
    this.#next();
    return this.#nested(token, () => {
      const then = this.#expression();
      this.#expect(":");
      const otherwise = this.#expression();
      return { kind: "conditional", test, then, otherwise, pos: token.pos };
    });
  }

  #binary(minPrecedence: number): ExpressionNode {
    let left = this.#unary();
    for (;;) {
      const token = this.#peek();
      const precedence = token.kind === "operator" ? PRECEDENCE[token.text] : undefined;
      if (precedence === undefined || precedence < minPrecedence) return left;
      if (
        (token.text === "=~" || token.text === "==~") &&
        token.text !== MATCH_OPERATOR[this.#dialect]
      ) {
        throw new SyntaxError(
          `Unsupported expression construct ${JSON.stringify(token.text)} ${
            where(this.#source, token.pos)
          }`,
        );
      }
      this.#next();
      const right = this.#binary(precedence + 1);
      const operator = token.text as BinaryOperator;
      left = { kind: "binary", operator, left, right, pos: token.pos };
    }
  }

  #unary(): ExpressionNode {
    const token = this.#peek();
    if (!this.#isOperator(token, "!", "-")) return this.#postfix(this.#primary());
    this.#next();
    const operand = this.#nested(token, () => this.#unary());
    if (token.text === "-" && operand.kind === "literal" && typeof operand.value === "number") {
      return { kind: "literal", value: -operand.value, pos: token.pos };
    }
    return { kind: "unary", operator: token.text as "!" | "-", operand, pos: token.pos };
  }

  // Bounds recursion, so that "((((..." is a SyntaxError and not a stack overflow.
  #nested<T>(token: Token, parse: () => T): T {
    if (++this.#depth > MAX_DEPTH) {
      throw new SyntaxError(
        `Expression nests deeper than ${MAX_DEPTH} levels ${where(this.#source, token.pos)}`,
      );
    }
    const result = parse();
    this.#depth--;
    return result;
  }

  #primary(): ExpressionNode {
    const token = this.#next();
    switch (token.kind) {
      case "number":
      case "string":
        return { kind: "literal", value: token.value, pos: token.pos };
      case "regex":
        return { kind: "regex", pattern: token.value, pos: token.pos };
      case "name":
        return this.#name(token);
      case "operator":
        if (token.text !== "(") break;
        return this.#nested(token, () => {
          const inner = this.#expression();
          this.#expect(")");
          return inner;
        });
    }
    throw this.#unexpected(token);
  }

  #name(token: Token & { kind: "name" }): ExpressionNode {
    const literal = LITERALS.get(token.text);
    if (literal !== undefined) return { kind: "literal", value: literal, pos: token.pos };
    if (RESERVED.has(token.text)) throw this.#unexpected(token);
    const arg = /^\$(\d+)$/.exec(token.text);
    if (arg !== null) return { kind: "arg", index: Number(arg[1]), pos: token.pos };
    const path = [token.text];
    // Aviator reads `a.b.c` as one variable name that walks nested maps, and `a.b(x)` as a call of
    // the function named "a.b"; Groovy reads `a.b(x)` as the method b called on the field a.
    while (this.#isDot(this.#peek()) && this.#peek(1).kind === "name") {
      if (this.#dialect === "GROOVY" && this.#isOperator(this.#peek(2), "(")) break;
      const segment = this.#peek(1);
      if (RESERVED.has(segment.text) || LITERALS.has(segment.text)) throw this.#unexpected(segment);
      this.#index += 2;
      path.push(segment.text);
    }
    if (this.#isOperator(this.#peek(), "(")) {
      return { kind: "call", name: path.join("."), args: this.#args(), pos: token.pos };
    }
    return { kind: "field", path, pos: token.pos };
  }

  #postfix(node: ExpressionNode): ExpressionNode {
    // Method calls, Groovy only: `name.trim().contains("x")`, `'abc'.contains(name)`.
    while (
      this.#dialect === "GROOVY" && this.#isDot(this.#peek()) && this.#peek(1).kind === "name" &&
      this.#isOperator(this.#peek(2), "(")
    ) {
      const method = this.#peek(1);
      this.#index += 2;
      node = {
        kind: "call",
        name: `.${method.text}`,
        args: [node, ...this.#args()],
        pos: method.pos,
      };
    }
    return node;
  }

  #args(): ExpressionNode[] {
    return this.#nested(this.#peek(), () => this.#argList());
  }

  #argList(): ExpressionNode[] {
    this.#expect("(");
    const args: ExpressionNode[] = [];
    if (this.#isOperator(this.#peek(), ")")) {
      this.#next();
      return args;
    }
    for (;;) {
      args.push(this.#expression());
      const token = this.#next();
      if (this.#isOperator(token, ")")) return args;
      if (!this.#isOperator(token, ",")) throw this.#unexpected(token);
    }
  }
}
