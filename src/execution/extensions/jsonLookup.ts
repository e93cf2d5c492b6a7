/**
 * JSON field lookup for contracts (CyberMiles' marketplace read shipping-cost tables this way through an
 * ENI library, reference/cybermiles.md §8.3): a JSON text and a path in, the value out, exactly as written.
 * A strict RFC 8259 scanner over the text, not JSON.parse: numbers come back digit for digit (a double would
 * round 2^53 + 1), a duplicate key is resolved as the last one (as JSON.parse does), and the cost is one pass.
 *
 * Path: dot-separated object keys and [index] for arrays, e.g. `rates.EU[2].price`; "" is the whole text.
 * The result: a string value unescaped; any other value (number, true, false, null, object, array) as its
 * JSON text.
 */

export class JsonLookupError extends Error {
  constructor(
    readonly kind: 'InvalidJson' | 'InvalidPath',
    message: string,
  ) {
    super(message);
    this.name = 'JsonLookupError';
  }
}

type Segment = { key: string } | { index: number };

export function parsePath(path: string): Segment[] {
  const out: Segment[] = [];
  let i = 0;
  const bad = (why: string): never => {
    throw new JsonLookupError('InvalidPath', `path "${path}": ${why}`);
  };
  while (i < path.length) {
    if (path[i] === '[') {
      const end = path.indexOf(']', i);
      if (end < 0) bad('unclosed [');
      const digits = path.slice(i + 1, end);
      if (!/^(0|[1-9]\d{0,8})$/.test(digits)) bad(`"${digits}" is not an array index`);
      out.push({ index: Number(digits) });
      i = end + 1;
      if (i < path.length && path[i] === '.') {
        i++;
        if (i === path.length) bad('ends with "."');
      }
      continue;
    }
    let end = i;
    while (end < path.length && path[end] !== '.' && path[end] !== '[') end++;
    if (end === i) bad('an empty key');
    out.push({ key: path.slice(i, end) });
    i = end;
    if (path[i] === '.') {
      i++;
      if (i === path.length) bad('ends with "."');
    }
  }
  return out;
}

class Scanner {
  i = 0;
  constructor(readonly s: string) {}

  fail(why: string): never {
    throw new JsonLookupError('InvalidJson', `invalid JSON at ${this.i}: ${why}`);
  }

  ws(): void {
    while (this.i < this.s.length && ' \t\n\r'.includes(this.s[this.i] as string)) this.i++;
  }

  /** Skips one value; returns [start, end). */
  value(depth: number): [number, number] {
    if (depth > 64) this.fail('nested too deep');
    this.ws();
    const start = this.i;
    const c = this.s[this.i];
    if (c === '{') this.object(depth, undefined);
    else if (c === '[') this.array(depth, undefined);
    else if (c === '"') this.string();
    else if (c === 't') this.literal('true');
    else if (c === 'f') this.literal('false');
    else if (c === 'n') this.literal('null');
    else this.number();
    return [start, this.i];
  }

  literal(word: string): void {
    if (this.s.slice(this.i, this.i + word.length) !== word) this.fail(`expected ${word}`);
    this.i += word.length;
  }

  number(): void {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.s.slice(this.i, this.i + 400));
    if (m === null) this.fail('expected a value');
    this.i += m[0].length;
  }

  /** Returns the decoded string. */
  string(): string {
    if (this.s[this.i] !== '"') this.fail('expected a string');
    this.i++;
    let out = '';
    for (;;) {
      if (this.i >= this.s.length) this.fail('unterminated string');
      const c = this.s[this.i] as string;
      if (c === '"') {
        this.i++;
        return out;
      }
      if (c < ' ') this.fail('control character in a string');
      if (c !== '\\') {
        out += c;
        this.i++;
        continue;
      }
      const e = this.s[this.i + 1];
      const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
      if (e !== undefined && e in simple) {
        out += simple[e];
        this.i += 2;
      } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(this.s.slice(this.i + 2, this.i + 6))) {
        out += String.fromCharCode(parseInt(this.s.slice(this.i + 2, this.i + 6), 16));
        this.i += 6;
      } else this.fail('bad escape');
    }
  }

  /** Walks an object; with `want`, returns the span of the last member named `want`. */
  object(depth: number, want: string | undefined): [number, number] | undefined {
    this.i++;
    let found: [number, number] | undefined;
    this.ws();
    if (this.s[this.i] === '}') {
      this.i++;
      return undefined;
    }
    for (;;) {
      this.ws();
      const key = this.string();
      this.ws();
      if (this.s[this.i] !== ':') this.fail('expected ":"');
      this.i++;
      const span = this.value(depth + 1);
      if (want !== undefined && key === want) found = span;
      this.ws();
      if (this.s[this.i] === ',') {
        this.i++;
        continue;
      }
      if (this.s[this.i] === '}') {
        this.i++;
        return found;
      }
      this.fail('expected "," or "}"');
    }
  }

  array(depth: number, want: number | undefined): [number, number] | undefined {
    this.i++;
    let found: [number, number] | undefined;
    this.ws();
    if (this.s[this.i] === ']') {
      this.i++;
      return undefined;
    }
    for (let k = 0; ; k++) {
      const span = this.value(depth + 1);
      if (k === want) found = span;
      this.ws();
      if (this.s[this.i] === ',') {
        this.i++;
        continue;
      }
      if (this.s[this.i] === ']') {
        this.i++;
        return found;
      }
      this.fail('expected "," or "]"');
    }
  }
}

/** The value at `path` in `json`, or undefined when the path leads nowhere; throws on invalid JSON or path. */
export function jsonLookup(json: string, path: string): string | undefined {
  const segments = parsePath(path);
  const whole = new Scanner(json);
  const [start, end] = whole.value(0);
  whole.ws();
  if (whole.i !== json.length) whole.fail('text after the value');
  let span: [number, number] | undefined = [start, end];
  for (const seg of segments) {
    if (span === undefined) return undefined;
    const sc = new Scanner(json);
    sc.i = span[0];
    if ('key' in seg) span = json[span[0]] === '{' ? sc.object(0, seg.key) : undefined;
    else span = json[span[0]] === '[' ? sc.array(0, seg.index) : undefined;
  }
  if (span === undefined) return undefined;
  if (json[span[0]] === '"') {
    const sc = new Scanner(json);
    sc.i = span[0];
    return sc.string();
  }
  return json.slice(span[0], span[1]);
}
