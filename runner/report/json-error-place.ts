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
