import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { FrameDecoder, encodeFrame } from '../runner/control/frame-decoder.js';
import {
  MAX_CONTROL_FRAME_BYTES,
  encodeMessage,
  parseClientMessage,
  parseServerMessage,
  type ControlMessage,
} from '../runner/control/messages.js';
import { defaultParams } from '../runner/core/params.js';

const SEQUENCE: ControlMessage[] = [
  { type: 'HELLO', protocol: 1, bench_version: '0.1.0' },
  { type: 'TEST_REQUEST', params: defaultParams('UDP_STREAM') },
  { type: 'START' },
  { type: 'STOP' },
];
const WIRE = Buffer.concat(SEQUENCE.map((m) => encodeFrame(encodeMessage(m))));

function decodeAll(chunks: Buffer[]): ControlMessage[] {
  const decoder = new FrameDecoder(MAX_CONTROL_FRAME_BYTES);
  return chunks.flatMap((c) => decoder.push(c)).map(parseClientMessage);
}

test('a message sequence split at every single offset decodes to the same messages', () => {
  for (let cut = 0; cut <= WIRE.length; cut++) {
    assert.deepEqual(decodeAll([WIRE.subarray(0, cut), WIRE.subarray(cut)]), SEQUENCE, `split at ${cut}`);
  }
});

test('a message sequence split at every pair of offsets decodes to the same messages', () => {
  for (let a = 0; a <= WIRE.length; a += 3) {
    for (let b = a; b <= WIRE.length; b += 5) {
      assert.deepEqual(decodeAll([WIRE.subarray(0, a), WIRE.subarray(a, b), WIRE.subarray(b)]), SEQUENCE);
    }
  }
});

test('fed one byte at a time, each frame comes out exactly when its last byte arrives', () => {
  const decoder = new FrameDecoder(MAX_CONTROL_FRAME_BYTES);
  const ends: number[] = [];
  for (let i = 0; i < WIRE.length; i++) {
    if (decoder.push(WIRE.subarray(i, i + 1)).length > 0) ends.push(i + 1);
  }
  let offset = 0;
  const expected = SEQUENCE.map((m) => (offset += encodeFrame(encodeMessage(m)).length));
  assert.deepEqual(ends, expected);
  assert.equal(decoder.bufferedBytes, 0);
});

test('random splits of random message sequences round-trip (property)', () => {
  const message = fc.oneof(
    fc.record({ type: fc.constant('START' as const) }),
    fc.record({
      type: fc.constant('HELLO' as const),
      protocol: fc.integer({ min: 0, max: 9 }),
      bench_version: fc.string({ maxLength: 300 }),
    }),
  );
  fc.assert(
    fc.property(fc.array(message, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 }), (messages, cuts) => {
      const wire = Buffer.concat(messages.map((m) => encodeFrame(encodeMessage(m))));
      const points = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((x, y) => x - y);
      const chunks: Buffer[] = [];
      let from = 0;
      for (const p of points) {
        chunks.push(wire.subarray(from, p));
        from = p;
      }
      chunks.push(wire.subarray(from));
      assert.deepEqual(decodeAll(chunks), JSON.parse(JSON.stringify(messages)));
    }),
  );
});

test('a frame claiming more than the limit is refused on its 4 header bytes, before its body', () => {
  const decoder = new FrameDecoder(1024);
  const header = Buffer.alloc(4);
  header.writeUInt32BE(0xfffffff0);
  assert.throws(() => decoder.push(header), {
    code: 'E_FRAME_TOO_LARGE',
    message: 'control frame of 2147483632 bytes exceeds the limit of 1024 bytes - the peer is not a compatible bench',
  });
});

test('a message longer than one frame travels in parts and comes out whole when its last byte arrives, split anywhere', () => {
  const payload = Buffer.from('0123456789abcdefghij');
  const wire = Buffer.concat([encodeFrame(payload, 8), encodeFrame(Buffer.from('{}'), 8)]);
  // Three parts of 8, 8 and 4 bytes, each behind its own header, then a message of one frame.
  assert.equal(wire.length, 3 * 4 + 20 + 4 + 2);
  for (let cut = 0; cut <= wire.length; cut++) {
    const decoder = new FrameDecoder(8, 64);
    const out = [...decoder.push(wire.subarray(0, cut)), ...decoder.push(wire.subarray(cut))];
    assert.deepEqual(
      out.map((m) => m.toString()),
      ['0123456789abcdefghij', '{}'],
      `split at ${cut}`,
    );
    assert.equal(decoder.bufferedBytes, 0);
  }
  const decoder = new FrameDecoder(8, 64);
  const ends: number[] = [];
  for (let i = 0; i < wire.length; i++) if (decoder.push(wire.subarray(i, i + 1)).length > 0) ends.push(i + 1);
  assert.deepEqual(ends, [32, 38]);
});

test('a message in parts past the message limit is refused at the header that takes it over, before that part arrives', () => {
  const decoder = new FrameDecoder(8, 20);
  const wire = encodeFrame(Buffer.alloc(24, 0x61), 8);
  // The first part is held with its header (12 bytes); the second part's header claims 12 more, past 20.
  assert.deepEqual(decoder.push(wire.subarray(0, 12)), []);
  assert.throws(() => decoder.push(wire.subarray(12, 16)), {
    code: 'E_FRAME_TOO_LARGE',
    message:
      'control message in parts exceeds the limit of 20 bytes - a run of that many intervals and streams is too large to report: raise interval or shorten duration',
  });
});

test('an end that takes messages of one frame only refuses one in parts longer than a frame', () => {
  const decoder = new FrameDecoder(MAX_CONTROL_FRAME_BYTES);
  assert.throws(() => decoder.push(encodeFrame(Buffer.alloc(MAX_CONTROL_FRAME_BYTES + 1, 0x61), MAX_CONTROL_FRAME_BYTES)), {
    code: 'E_FRAME_TOO_LARGE',
    message:
      'control message in parts exceeds the limit of 262144 bytes - this end takes messages of one frame only; the peer is not a compatible bench',
  });
});

test('endless empty parts reach the message limit as full ones do', () => {
  const decoder = new FrameDecoder(8, 64);
  const emptyPart = Buffer.from([0x80, 0, 0, 0]);
  assert.throws(() => {
    for (let k = 0; k < 1000; k++) decoder.push(emptyPart);
  }, /control message in parts exceeds the limit of 64 bytes/);
  assert.ok(decoder.bufferedBytes <= 64, `${decoder.bufferedBytes} bytes held`);
});

test('a frame exactly at the limit is accepted', () => {
  const decoder = new FrameDecoder(8);
  const frames = decoder.push(encodeFrame(Buffer.from('12345678')));
  assert.deepEqual(
    frames.map((f) => f.toString()),
    ['12345678'],
  );
});

test('malformed and unknown control messages are refused with what is wrong', () => {
  assert.throws(() => parseClientMessage(Buffer.from('{not json')), {
    code: 'E_PROTOCOL',
    message: 'control frame is not valid JSON - the peer is not a compatible bench',
  });
  assert.throws(() => parseClientMessage(Buffer.from('[1,2]')), { code: 'E_PROTOCOL', message: 'control frame is not a JSON object' });
  assert.throws(() => parseClientMessage(Buffer.from('{"type":"SHUTDOWN"}')), {
    code: 'E_PROTOCOL',
    message: 'unknown control message type "SHUTDOWN"',
  });
  assert.throws(() => parseClientMessage(Buffer.from('{"type":"HELLO","protocol":"1","bench_version":"0.1.0"}')), {
    message: "HELLO message without a numeric 'protocol'",
  });
  assert.throws(() => parseClientMessage(Buffer.from('{"type":"HELLO","protocol":1}')), {
    message: "HELLO message without a string 'bench_version'",
  });
  const bad = { type: 'TEST_REQUEST', params: { ...defaultParams('TCP_STREAM'), duration_s: -1 } };
  assert.throws(() => parseClientMessage(Buffer.from(JSON.stringify(bad))), {
    message: 'TEST_REQUEST with invalid params: duration must be more than 0s, not -1s',
  });
  // A server message is not a client message.
  assert.throws(() => parseClientMessage(Buffer.from('{"type":"RESULT","streams":[]}')), {
    message: 'unknown control message type "RESULT"',
  });
  assert.throws(() => parseServerMessage(Buffer.from('{"type":"READY","cookie":"ab","data_ports":["x"]}')), {
    message: 'READY message with data_ports[0] "x" is not a whole number',
  });
});

test('a peer that opens with text is named for what it speaks, whole or a byte at a time; text after a good frame is only an oversized frame', () => {
  const expectForeign = (chunks: Buffer[], message: string): void => {
    const decoder = new FrameDecoder(MAX_CONTROL_FRAME_BYTES);
    assert.throws(() => chunks.forEach((c) => decoder.push(c)), { code: 'E_FRAME_TOO_LARGE', message });
  };
  const http = Buffer.from('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
  expectForeign([http], 'this is not a bench peer: it speaks HTTP ("HTTP/1.1 400 Bad Request") - check the host and port');
  expectForeign(
    [...http.subarray(0, 8)].map((b) => Buffer.from([b])),
    'this is not a bench peer: it speaks HTTP ("HTTP") - check the host and port',
  );
  expectForeign(
    [Buffer.from('220 mail.example.com ESMTP\r\n')],
    'this is not a bench peer: it sent text ("220 mail.example.com ESMTP") - check the host and port',
  );
  // A long line is cut, and bytes past the first four that are not printable never reach a terminal.
  expectForeign(
    [Buffer.from(`HTTP/1.1 200 \x1b]0;pwned\x07${'x'.repeat(80)}`)],
    `this is not a bench peer: it speaks HTTP ("HTTP/1.1 200 ?]0;pwned?${'x'.repeat(17)}...") - check the host and port`,
  );
  const decoder = new FrameDecoder(MAX_CONTROL_FRAME_BYTES);
  decoder.push(encodeFrame(Buffer.from('{}')));
  assert.throws(() => decoder.push(Buffer.from('HTTP/1.1 200 OK\r\n')), {
    code: 'E_FRAME_TOO_LARGE',
    message: 'control frame of 1213486160 bytes exceeds the limit of 262144 bytes - the peer is not a compatible bench',
  });
});
