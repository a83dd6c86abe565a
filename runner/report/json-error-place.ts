/**
 * Where a JSON text first goes wrong, as line and column, with what was found
 * there. JSON.parse says only "Unexpected token" for many errors, without a
 * position, and a user fixing a results file needs the line.
 */
export interface JsonErrorPlace {
  line: number;
  column: number;
  found: string;
}

export function findJsonError(text: string): JsonErrorPlace | null {
  let i = 0;
  const fail = (): never => {
    throw new Error(String(i));
  };
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const expect = (c: string): void => {
    if (text[i] !== c) fail();
    i++;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        string();
        ws();
        expect(':');
        value();
        ws();
        if (text[i] === ',') i++;
        else return expect('}');
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else return expect(']');
      }
    }
    if (c === '"') return string();
    const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
    if (!m) fail();
    i += m![0].length;
  };
  const string = (): void => {
    expect('"');
    while (i < text.length && text[i] !== '"') {
      if (text.charCodeAt(i) < 0x20) fail();
      i += text[i] === '\\' ? 2 : 1;
    }
    expect('"');
  };
  try {
    value();
    ws();
    if (i < text.length) fail();
    return null;
  } catch (err) {
    const at = Math.min(Number((err as Error).message), text.length);
    const before = text.slice(0, at).split('\n');
    const found = at >= text.length ? 'the end of the file' : `'${text[at]}'`;
    return { line: before.length, column: before[before.length - 1].length + 1, found };
  }
}

export interface JsonPlace {
  line: number;
  column: number;
}

/**
 * Where the value at `path` starts in a valid JSON text, as line and column:
 * for a problem the schema found, so the user can go straight to it. Where the
 * path leads to a key that is not there, the place of the object that lacks it.
 * One pass over the text up to the value, without recursion (a results file
 * can hold hundreds of thousands of intervals).
 */
export function findJsonValue(text: string, path: readonly (string | number)[]): JsonPlace | null {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const skipString = (): void => {
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
  };
  /** Past one value, counting brackets rather than recursing. */
  const skipValue = (): void => {
    ws();
    let depth = 0;
    do {
      const c = text[i];
      if (c === '"') skipString();
      else if (c === '{' || c === '[') {
        depth++;
        i++;
      } else if (c === '}' || c === ']') {
        depth--;
        i++;
      } else if (c === ',' || c === ':' || c === ' ' || c === '\t' || c === '\n' || c === '\r') i++;
      else {
        while (i < text.length && !',:]} \t\n\r'.includes(text[i])) i++;
      }
      if (i >= text.length) return;
    } while (depth > 0);
  };
  ws();
  for (const step of path) {
    const container = i;
    if (text[i] === '{' && typeof step === 'string') {
      i++;
      let found = false;
      for (;;) {
        ws();
        if (text[i] !== '"') break;
        const keyStart = i;
        skipString();
        const key = JSON.parse(text.slice(keyStart, i)) as string;
        ws();
        i++; // ':'
        ws();
        if (key === step) {
          found = true;
          break;
        }
        skipValue();
        ws();
        if (text[i] === ',') i++;
      }
      if (!found) return placeOf(text, container);
    } else if (text[i] === '[' && typeof step === 'number') {
      i++;
      for (let n = 0; n < step; n++) {
        skipValue();
        ws();
        if (text[i] !== ',') return placeOf(text, container);
        i++;
      }
      ws();
      if (text[i] === ']') return placeOf(text, container);
    } else {
      return placeOf(text, container);
    }
  }
  return i < text.length ? placeOf(text, i) : null;
}

function placeOf(text: string, offset: number): JsonPlace {
  let line = 1;
  let lineStart = 0;
  for (let k = text.indexOf('\n'); k !== -1 && k < offset; k = text.indexOf('\n', k + 1)) {
    line++;
    lineStart = k + 1;
  }
  return { line, column: offset - lineStart + 1 };
}
