/**
 * Tokenizer for the Aviator / Groovy expression subset.
 *
 * Why not jexl's `Lexer` (npm:jexl@2.3.0/dist/Lexer.js, which is importable): it splits with one
 * big regular expression and so loses positions (and the leading blanks), throws a plain `Error`
 * ("Invalid expression token: =~") without saying where, rejects a unary minus before a name
 * (`-price` becomes the single bad token "-price"), unescapes only the first `\\` and none of
 * `\n`/`\t`, splits `1e5` into `1` and a name `e5` and `0x10` into `0` and `x10`, and closes
 * `'it\'` on the escaped quote. Each of these is a silent misparse or an error without a position,
 * so this file scans the source itself, in one pass.
 *
 * @module
 */

/** One token; `pos` is the 0-based offset of its first character in the source. */
export type Token =
  | { readonly kind: "number"; readonly value: number; readonly text: string; readonly pos: number }
  | { readonly kind: "string"; readonly value: string; readonly text: string; readonly pos: number }
  | { readonly kind: "name"; readonly text: string; readonly pos: number }
  | { readonly kind: "regex"; readonly value: string; readonly text: string; readonly pos: number }
  | { readonly kind: "operator"; readonly text: string; readonly pos: number }
  | { readonly kind: "end"; readonly text: ""; readonly pos: number };

/** The two expression languages of the dynamic-CEP JSON format. */
export type Dialect = "AVIATOR" | "GROOVY";

// Longest first, so "==~" is not read as "==" then "~". Operators the subset does not support are
// listed too: they become tokens that the parser rejects by name ("=~", "?:", "**", ...).
const OPERATORS = (
  "=== !== ==~ >>> <=> ..< == != <= >= && || =~ ** << >> -> .. ?. ?: ++ -- += -= *= /= %= .& .@ *." +
  " + - * / % < > ! = ? : & | ^ ~ ( ) [ ] { } , . ; @ # \\ `"
).split(" ");

const ESCAPES: Readonly<Record<string, string>> = {
  "n": "\n",
  "t": "\t",
  "r": "\r",
  "b": "\b",
  "f": "\f",
  "\\": "\\",
  "'": "'",
  '"': '"',
};

const NUMBER = /\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const NUMBER_TAIL = /[\w.$]+/y;
const NAME = /[A-Za-z_$][\w$]*/y;
const BLANK = /\s+/y;

/**
 * Formats the position part of every expression error, so all of them point the same way.
 *
 * @param source the whole expression
 * @param pos 0-based offset
 * @returns e.g. `at column 6 in "name =~ /x/"`
 */
export function where(source: string, pos: number): string {
  return `at column ${pos + 1} in ${JSON.stringify(source)}`;
}

/**
 * Splits an expression into tokens, ending with one `end` token.
 *
 * @param source the expression text
 * @param dialect selects the string-literal rules (Groovy `"${x}"` and Aviator `'#{x}'` are
 *   interpolation, which the subset rejects)
 * @returns the tokens
 * @throws {SyntaxError} on a character or literal outside the subset, naming it and its column
 */
export function tokenize(source: string, dialect: Dialect): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  const match = (re: RegExp): string | undefined => {
    re.lastIndex = pos;
    return re.exec(source)?.[0];
  };
  while (pos < source.length) {
    const blank = match(BLANK);
    if (blank !== undefined) {
      pos += blank.length;
      continue;
    }
    const c = source[pos]!;
    const previous = tokens[tokens.length - 1];
    if (c === "/" && previous?.kind === "operator" && MATCH_OPERATORS.has(previous.text)) {
      const end = scanRegex(source, pos);
      tokens.push({ kind: "regex", value: end.value, text: source.slice(pos, end.pos), pos });
      pos = end.pos;
    } else if (c >= "0" && c <= "9") {
      const text = match(NUMBER)!;
      // A letter right after the digits is a suffix or radix the subset lacks: 10L, 1.5M, 0x1F.
      if (/[\w$]/.test(source[pos + text.length] ?? "")) {
        const literal = match(NUMBER_TAIL)!;
        throw new SyntaxError(
          `Unsupported number literal ${JSON.stringify(literal)} ${where(source, pos)}`,
        );
      }
      tokens.push({ kind: "number", value: Number(text), text, pos });
      pos += text.length;
    } else if (c === "'" || c === '"') {
      const end = scanString(source, pos, dialect);
      tokens.push({
        kind: "string",
        value: end.value,
        text: source.slice(pos, end.pos),
        pos,
      });
      pos = end.pos;
    } else if (/[A-Za-z_$]/.test(c)) {
      const text = match(NAME)!;
      tokens.push({ kind: "name", text, pos });
      pos += text.length;
    } else {
      const text = OPERATORS.find((op) => source.startsWith(op, pos));
      if (text === undefined) {
        throw new SyntaxError(`Unsupported character ${JSON.stringify(c)} ${where(source, pos)}`);
      }
      tokens.push({ kind: "operator", text, pos });
      pos += text.length;
    }
  }
  tokens.push({ kind: "end", text: "", pos });
  return tokens;
}

// A `/` right after a match operator starts a regular expression literal (Aviator `=~ /…/`,
// Groovy `==~ /…/`), where `\/` stands for `/` and every other escape is the regex's own.
const MATCH_OPERATORS: ReadonlySet<string> = new Set(["=~", "==~"]);

function scanRegex(source: string, start: number): { value: string; pos: number } {
  let value = "";
  for (let pos = start + 1; pos < source.length; pos++) {
    const c = source[pos]!;
    if (c === "/") return { value, pos: pos + 1 };
    if (c === "\\" && source[pos + 1] === "/") {
      value += "/";
      pos++;
    } else if (c === "\\" && pos + 1 < source.length) {
      value += c + source[++pos];
    } else value += c;
  }
  throw new SyntaxError(`Unterminated regular expression ${where(source, start)}`);
}

function scanString(
  source: string,
  start: number,
  dialect: Dialect,
): { value: string; pos: number } {
  const quote = source[start]!;
  if (source.startsWith(quote.repeat(3), start)) {
    throw new SyntaxError(
      `Unsupported expression construct ${JSON.stringify(quote.repeat(3))} ${where(source, start)}`,
    );
  }
  let value = "";
  let pos = start + 1;
  while (pos < source.length) {
    const c = source[pos]!;
    if (c === quote) return { value, pos: pos + 1 };
    // Groovy "..." is a GString: `$x` and `${x}` interpolate. Aviator 5 interpolates `#{x}`.
    const interpolates = dialect === "GROOVY"
      ? quote === '"' && c === "$"
      : c === "#" && source[pos + 1] === "{";
    if (interpolates) {
      throw new SyntaxError(
        `Unsupported expression construct "string interpolation" ${where(source, pos)}`,
      );
    }
    if (c === "\\") {
      const next = source[pos + 1];
      // Groovy also escapes the interpolation sign: "\\$x" is the text "$x".
      const escaped = next === "$" && dialect === "GROOVY"
        ? "$"
        : next === undefined
        ? undefined
        : ESCAPES[next];
      if (next === "u" && /^[0-9a-fA-F]{4}$/.test(source.slice(pos + 2, pos + 6))) {
        value += String.fromCharCode(parseInt(source.slice(pos + 2, pos + 6), 16));
        pos += 6;
        continue;
      }
      if (escaped === undefined) {
        throw new SyntaxError(
          `Unsupported escape ${JSON.stringify(source.slice(pos, pos + 2))} ${where(source, pos)}`,
        );
      }
      value += escaped;
      pos += 2;
      continue;
    }
    value += c;
    pos++;
  }
  throw new SyntaxError(`Unterminated string ${where(source, start)}`);
}
