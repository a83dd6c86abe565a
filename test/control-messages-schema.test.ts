import Ajv2020 from 'ajv/dist/2020.js';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseClientMessage, parseServerMessage } from '../runner/control/messages.js';
import { repoRoot } from './fixtures/results/load-fixture.js';

/**
 * The control-message schema is loaded at run time without checking it
 * against the JSON Schema meta-schema (that check costs more than the rest
 * of start-up); it is checked here instead, strictly, once.
 */
test('schemas/control-messages.schema.json is a valid, strict JSON Schema with one entry per message type', async () => {
  const schema = JSON.parse(await readFile(join(repoRoot, 'schemas/control-messages.schema.json'), 'utf8')) as {
    $id: string;
    $defs: Record<string, { properties?: { type?: { const?: string } } }>;
  };
  const ajv = new Ajv2020.default({ strict: true, allErrors: true });
  assert.equal(ajv.validateSchema(schema), true, JSON.stringify(ajv.errors));
  ajv.addSchema(schema);
  const types = [
    'HELLO',
    'AUTH_RESPONSE',
    'TEST_REQUEST',
    'REMOTE_TEST_REQUEST',
    'START',
    'STOP',
    'BYE',
    'WELCOME',
    'AUTH_CHALLENGE',
    'QUEUED',
    'READY',
    'ATTACHED',
    'INTERVAL',
    'RESULT',
    'REMOTE_INTERVAL',
    'REMOTE_RESULT',
    'ERROR',
  ];
  for (const type of types) {
    assert.equal(schema.$defs[type]?.properties?.type?.const, type, `$defs/${type} declares its type`);
    assert.ok(ajv.getSchema(`${schema.$id}#/$defs/${type}`), `$defs/${type} compiles`);
  }
});

test('BYE is a client message of its own, checked like the others, and no server message', () => {
  assert.deepEqual(parseClientMessage(Buffer.from('{"type":"BYE"}')), { type: 'BYE' });
  // A later bench may say why it leaves; this one reads the BYE alone.
  assert.deepEqual(parseClientMessage(Buffer.from('{"type":"BYE","reason":"probe"}')), { type: 'BYE' });
  const crowded = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`f${i}`, i]));
  assert.throws(() => parseClientMessage(Buffer.from(JSON.stringify({ type: 'BYE', ...crowded }))), {
    code: 'E_PROTOCOL',
    message: 'BYE message with more than 32 fields',
  });
  assert.throws(() => parseServerMessage(Buffer.from('{"type":"BYE"}')), {
    code: 'E_PROTOCOL',
    message: 'unknown control message type "BYE"',
  });
});

test('a message may carry fields a later bench adds, up to a bound, and no more', () => {
  assert.deepEqual(parseServerMessage(Buffer.from('{"type":"QUEUED","position":2,"eta_s":5}')), { type: 'QUEUED', position: 2, eta_s: 5 });
  const crowded = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`f${i}`, i]));
  assert.throws(() => parseClientMessage(Buffer.from(JSON.stringify({ type: 'HELLO', protocol: 1, bench_version: '0.1.0', ...crowded }))), {
    code: 'E_PROTOCOL',
    message: 'HELLO message with more than 32 fields',
  });
  assert.throws(() => parseClientMessage(Buffer.from(JSON.stringify({ type: 'HELLO', protocol: 1, bench_version: 'x'.repeat(65) }))), {
    message: 'HELLO message with bench_version longer than 64 characters',
  });
  assert.throws(
    () =>
      parseServerMessage(
        Buffer.from(JSON.stringify({ type: 'RESULT', wall_s: 1, streams: Array.from({ length: 129 }, () => ({})) })),
        'peer 10.0.0.2:7575',
      ),
    {
      message: 'peer 10.0.0.2:7575 sent an impossible RESULT: streams of more than 128 entries - is it a compatible bench server?',
    },
  );
});
