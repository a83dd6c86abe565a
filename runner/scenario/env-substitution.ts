import { parse as parseYaml, visit, type Scalar } from 'yaml';
import type { Problem } from './scenario-problem.js';
import type { YamlSource } from './yaml-source.js';

/**
 * `${VAR}` and `${VAR:-default}` in values take their text from the
 * environment (the default when VAR is unset or empty); `$${` writes a
 * literal `${`. Keys are never substituted. A plain (unquoted) value that
 * becomes a number or boolean is read as one, so `port: ${PORT:-7575}` is a
 * number. Replaces values in the document in place; an unset variable with
 * no default is a problem at its position.
 */
export function substituteEnvironment(source: YamlSource, env: NodeJS.ProcessEnv): { problems: Problem[]; unresolved: [number, number][] } {
  const problems: Problem[] = [];
  // Values left unsubstituted: other checks stay quiet about them, the variable is the problem.
  const unresolved: [number, number][] = [];
  visit(source.doc, {
    Scalar(key, node) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('$')) return;
      const result = expand(node.value, env);
      const start = node.range?.[0] ?? 0;
      const written = source.text.slice(start, node.range?.[1] ?? start);
      for (const missing of result.missing) {
        const at = written.indexOf(missing.reference);
        problems.push({ place: { kind: 'offset', offset: at >= 0 ? start + at : start }, message: missing.message });
      }
      if (result.missing.length > 0) {
        unresolved.push([start, node.range?.[1] ?? start]);
        return;
      }
      node.value = node.type === 'PLAIN' ? reinterpretPlain(result.text) : result.text;
    },
  });
  return { problems, unresolved };
}

interface Expansion {
  text: string;
  missing: { reference: string; message: string }[];
}

const REFERENCE = /\$\$\{|\$\{([^}]*)\}|\$\{/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function expand(text: string, env: NodeJS.ProcessEnv): Expansion {
  const missing: Expansion['missing'] = [];
  const out = text.replace(REFERENCE, (match: string, inner: string | undefined) => {
    if (match === '$${') return '${';
    if (inner === undefined) {
      missing.push({ reference: match, message: 'unclosed ${ in this value: write ${NAME} or ${NAME:-default}, or $${ for a literal ${' });
      return match;
    }
    const sep = inner.indexOf(':-');
    const name = sep >= 0 ? inner.slice(0, sep) : inner;
    if (!NAME.test(name)) {
      missing.push({
        reference: match,
        message: `'${match}' is not a variable reference: write \${NAME} or \${NAME:-default}, with NAME made of letters, digits and _`,
      });
      return match;
    }
    const value = env[name];
    if (value !== undefined && value !== '') return value;
    if (sep >= 0) return inner.slice(sep + 2);
    missing.push({
      reference: match,
      message: `environment variable ${name} is not set: set it (export ${name}=...), or give a default as \${${name}:-value}`,
    });
    return match;
  });
  return { text: out, missing };
}

function reinterpretPlain(text: string): Scalar['value'] {
  if (text.trim() === '') return text;
  try {
    const value: unknown = parseYaml(text);
    if (typeof value === 'number' || typeof value === 'boolean') return value;
  } catch {
    // Text that is not a YAML scalar stays text.
  }
  return text;
}
