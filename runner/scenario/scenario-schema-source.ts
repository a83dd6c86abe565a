import { REPORT_FORMATS } from '../core/results-file.js';
import { DEFAULT_PORT } from '../core/defaults.js';
import { ALL_FIGURES } from '../core/figure-catalog.js';
import { defaultText, DSCP_NAMES, NAME_PATTERN, PARAM_LIST, type Param, type ParamKind } from '../core/params.js';
import { TEST_NAMES } from '../core/test-params.js';
import { PEER_NAME_PATTERN } from './scenario-model.js';

/**
 * schemas/scenario.schema.json, built from the parameter declarations
 * (core/params.ts) and the figure catalogue. `npm run schemas` writes it;
 * a test fails when the committed file differs from what this returns.
 */
export function buildScenarioSchema(): Record<string, unknown> {
  const paramDefs: Record<string, unknown> = {};
  const settings: Record<string, unknown> = {};
  for (const param of PARAM_LIST) {
    paramDefs[`param-${param.key}`] = valueSchema(param);
    const one = { $ref: `#/$defs/param-${param.key}` };
    settings[param.key] = {
      description: describe(param),
      ...(param.sweepable ? { anyOf: [one, { type: 'array', minItems: 1, items: one }] } : one),
    };
  }
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'bench scenario',
    description:
      'A list of network tests for `bench run`: TCP_STREAM, UDP_STREAM, TCP_RR, UDP_RR, TCP_CRR, against named peers or the embedded loopback server. Values may use ${VAR} or ${VAR:-default} from the environment. Generated from runner/core/params.ts: do not edit by hand.',
    type: 'object',
    required: ['name', 'runs'],
    properties: {
      name: { type: 'string', minLength: 1, description: 'Short name; names the results folder (results/<name>-<UTC time>/).' },
      description: { type: 'string' },
      peers: {
        type: 'object',
        description:
          'Hosts running `bench serve`, by the name runs use in `to:` and `from:`, and groups of them (a list of peer names) for `mesh:`. The name `local` is reserved for the embedded loopback server.',
        propertyNames: { type: 'string', pattern: PEER_NAME_PATTERN, not: { const: 'local' } },
        // if/then rather than anyOf: a mistake in a peer is then reported against the peer alone, not against each shape.
        additionalProperties: {
          if: { type: 'array' },
          then: { $ref: '#/$defs/peer-group' },
          else: {
            if: { type: 'object', properties: { dns: true }, required: ['dns'] },
            then: { $ref: '#/$defs/dns-group' },
            else: { $ref: '#/$defs/peer' },
          },
        },
      },
      defaults: { $ref: '#/$defs/defaults' },
      runs: { type: 'array', minItems: 1, items: { $ref: '#/$defs/run' }, description: 'Runs, executed one after another in this order.' },
      report: {
        type: 'object',
        description: 'Reports rendered into the results folder after the runs.',
        properties: {
          formats: { type: 'array', items: { enum: [...REPORT_FORMATS] }, uniqueItems: true },
          title: { type: 'string', minLength: 1 },
        },
        additionalProperties: false,
      },
    },
    patternProperties: { '^x-': true },
    additionalProperties: false,
    $defs: {
      ...UNIT_TEXT,
      ...paramDefs,
      peer: {
        type: 'object',
        required: ['host'],
        properties: {
          host: { type: 'string', minLength: 1, description: 'Address or name of the host running `bench serve`.' },
          port: {
            description: 'Its control port (a quoted number is accepted, for "${PORT:-7575}").',
            default: DEFAULT_PORT,
            anyOf: [
              { type: 'integer', minimum: 1, maximum: 65535 },
              { type: 'string', pattern: '^\\s*\\d+\\s*$' },
            ],
          },
          token_file: {
            type: 'string',
            minLength: 1,
            description: 'File holding the secret the server was started with (--token-file); relative to the scenario file.',
          },
        },
        additionalProperties: false,
      },
      'peer-group': {
        type: 'array',
        description: 'A group: the names of peers defined under peers, for `mesh:`.',
        minItems: 2,
        uniqueItems: true,
        items: { type: 'string', pattern: PEER_NAME_PATTERN },
      },
      'dns-group': {
        type: 'object',
        description:
          'A DNS group: every A/AAAA record of `dns` is a member, found when `bench run` starts, named by the name its server reports.',
        required: ['dns'],
        properties: {
          dns: { type: 'string', minLength: 1 },
          port: {
            default: DEFAULT_PORT,
            anyOf: [
              { type: 'integer', minimum: 1, maximum: 65535 },
              { type: 'string', pattern: '^\\s*\\d+\\s*$' },
            ],
          },
          token_file: { type: 'string', minLength: 1 },
        },
        additionalProperties: false,
      },
      settings: { type: 'object', properties: settings },
      defaults: {
        description: "Settings for every run; a run's own keys override them, and `bench run --set key=value` overrides both.",
        type: 'object',
        $ref: '#/$defs/settings',
        unevaluatedProperties: false,
      },
      run: {
        type: 'object',
        $ref: '#/$defs/settings',
        required: ['test'],
        properties: {
          test: { type: 'string', enum: [...TEST_NAMES] },
          label: {
            type: 'string',
            minLength: 1,
            description: 'Name of this run in results and reports (default: test, peer and swept values).',
          },
          mesh: {
            type: 'string',
            minLength: 1,
            description: 'A group under peers: one run per ordered pair of its members (N × (N-1)), instead of from: and to:.',
          },
          pairs: {
            type: 'array',
            minItems: 1,
            description: 'The [from, to] pairs of peer names to run, instead of from: and to:.',
            items: { type: 'array', minItems: 2, maxItems: 2, items: { type: 'string', minLength: 1 } },
          },
          parallel: {
            enum: ['disjoint'],
            description:
              'With mesh: or pairs:, run pairs that share no host at the same time, in rounds. Default: one run at a time, since runs sharing a switch disturb each other.',
          },
          expect: {
            type: 'object',
            description: 'Conditions on summary figures, checked against the mean across repeats, such as throughput_mbps: ">= 900".',
            propertyNames: { type: 'string', enum: [...ALL_FIGURES] },
            additionalProperties: { type: 'string', pattern: '^\\s*(<=|>=|==|<|>)\\s*-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?\\s*$' },
          },
        },
        unevaluatedProperties: false,
      },
    },
  };
}

/** How each unit is written as text; a number is always the plain value in the unit (seconds, bytes, bit/s). */
const UNIT_TEXT = {
  'duration-text': {
    type: 'string',
    description: 'Seconds with a unit: 10s, 500ms, 2m, 1h.',
    pattern: '^\\s*\\d+(\\.\\d+)?\\s*(ms|s|m|h)?\\s*$',
  },
  'size-text': {
    type: 'string',
    description: 'Bytes with a unit: 64KiB, 1MiB (1024) or 1kB, 1MB (1000). A bare K/M/G is ambiguous and refused.',
    pattern: '^\\s*\\d+(\\.\\d+)?\\s*(B|KiB|MiB|GiB|kB|KB|MB|GB)?\\s*$',
  },
  'rate-text': {
    type: 'string',
    description: 'Bits per second: 100M, 1G, 500k, 1.5Gbit; 0 for unpaced.',
    pattern: '^\\s*\\d+(\\.\\d+)?\\s*[kKMGT]?(bit/s|bps|bit|b)?\\s*$',
  },
  'count-text': { type: 'string', description: 'A whole number.', pattern: '^\\s*\\d+\\s*$' },
};

const NUMBER_TYPE: Partial<Record<ParamKind, 'number' | 'integer'>> = {
  duration: 'number',
  size: 'integer',
  rate: 'number',
  count: 'integer',
};

/** One value of a parameter: a number within its limits (for any test), or text in its unit. */
function valueSchema(param: Param): Record<string, unknown> {
  if (param.kind === 'boolean') return { type: 'boolean' };
  if (param.kind === 'peer') return { type: 'string', minLength: 1 };
  if (param.kind === 'enum') return { type: 'string', enum: [...(param.values ?? [])] };
  if (param.kind === 'address') return { type: 'string', minLength: 1 };
  if (param.kind === 'name') return { type: 'string', pattern: NAME_PATTERN.source };
  if (param.kind === 'dscp') {
    return {
      anyOf: [
        { type: 'integer', minimum: 0, maximum: 63 },
        { type: 'string', pattern: `^\\s*(${Object.keys(DSCP_NAMES).map(anyCase).join('|')}|\\d{1,2})\\s*$` },
      ],
    };
  }
  const { min, max, exclusive } = param.limits;
  const number: Record<string, unknown> = { type: NUMBER_TYPE[param.kind] };
  if (min !== undefined) number[exclusive ? 'exclusiveMinimum' : 'minimum'] = min;
  if (max !== undefined) number.maximum = max;
  return { anyOf: [number, { $ref: `#/$defs/${param.kind}-text` }] };
}

/** A pattern matching `name` in any case: JSON Schema patterns have no flags. */
function anyCase(name: string): string {
  return [...name].map((c) => (/[a-z]/.test(c) ? `[${c}${c.toUpperCase()}]` : c)).join('');
}

function describe(param: Param): string {
  const parts = [`${param.help}.`];
  const d = defaultText(param);
  if (d !== undefined) parts.push(`Default: ${d}.`);
  if (param.tests.length < TEST_NAMES.length) parts.push(`Only for ${param.tests.join(', ')}.`);
  if (param.sweepable) parts.push('A list sweeps: one run per value.');
  return parts.join(' ');
}
