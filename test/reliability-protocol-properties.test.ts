import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { encodeFrame, FRAME_HEADER_BYTES, FrameDecoder } from '../runner/control/frame-decoder.js';
import { PROTOCOL_VERSION, parseClientMessage, type ServerMessage } from '../runner/control/messages.js';
import { BenchError } from '../runner/core/errors.js';
import type { TestName } from '../runner/core/test-params.js';
import { normalTest, startTestServer, type TestServer } from './helpers/in-process-server.js';
import { attachData, hello, RawControl, sleep, testRequest, waitUntil } from './helpers/raw-control.js';

/**
 * Properties of the control protocol under generated input: the pure decoder
 * and parser on arbitrary bytes, and the server's state machine driven by
 * random sequences of valid, invalid and out-of-order client messages and
 * cuts, against a real server, with a model of what it must answer.
 */

test('the decoder, fed arbitrary bytes in arbitrary chunks, yields frames or refuses an oversized length, and never buffers past its limit', () => {
  const MAX = 64;
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 100 }), { maxLength: 20 }), (chunks) => {
      const whole = Buffer.concat(chunks);
      const decoder = new FrameDecoder(MAX);
      const frames: Buffer[] = [];
      let refused: unknown = null;
      for (const chunk of chunks) {
        try {
          frames.push(...decoder.push(Buffer.from(chunk)));
        } catch (err) {
          refused = err;
          break;
        }
        assert.ok(decoder.bufferedBytes <= Math.max(MAX, FRAME_HEADER_BYTES), `holds ${decoder.bufferedBytes} bytes`);
      }
      // The same bytes in one piece give the same frames, or the same refusal.
      const reference = new FrameDecoder(MAX);
      let wholeFrames: Buffer[] = [];
      let wholeRefused: unknown = null;
      try {
        wholeFrames = reference.push(whole);
      } catch (err) {
        wholeRefused = err;
      }
      if (refused || wholeRefused) {
        assert.ok(refused instanceof BenchError && refused.code === 'E_FRAME_TOO_LARGE', String(refused));
        assert.ok(wholeRefused instanceof BenchError && wholeRefused.code === 'E_FRAME_TOO_LARGE');
        // A peer that opens with text is quoted from what has arrived so far: less of its line when it comes in pieces.
        const shape = (message: string): string => message.replace(/\(".*"\)/, '(quoted)');
        assert.equal(shape(refused.message), shape(wholeRefused.message));
      } else {
        assert.deepEqual(frames, wholeFrames);
        // Every frame is one a correct encoder would have made from these bytes.
        assert.deepEqual(Buffer.concat(frames.map((f) => encodeFrame(f))), whole.subarray(0, whole.length - decoder.bufferedBytes));
      }
    }),
    { numRuns: 2000 },
  );
});

test('the client-message parser turns any JSON or any bytes into a checked message or a protocol error, never a crash', () => {
  const knownType = fc.constantFrom(
    'HELLO',
    'AUTH_RESPONSE',
    'TEST_REQUEST',
    'START',
    'STOP',
    'WELCOME',
    'ERROR',
    '__proto__',
    'constructor',
  );
  // A valid request with a few fields replaced by anything: most near-misses, some valid.
  const base = {
    test: 'TCP_STREAM',
    duration_s: 1,
    interval_s: 1,
    omit_s: 0,
    size_bytes: 1472,
    request_size_bytes: 1,
    response_size_bytes: 1,
    rate_bps: 0,
    streams: 1,
    reverse: false,
    bidir: false,
    idle_s: 0,
    direction: 'both',
    probe_interval_s: 0,
    timeout_s: 30,
    bind_address: '',
    dscp: 0,
    congestion: '',
    mss_bytes: 0,
    window_bytes: 0,
  };
  const anyNumber = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(0, -1, 0.05, 0.1, 1e-9, 1e9, 129, 2 ** 53));
  const params = fc
    .array(
      fc.tuple(
        fc.constantFrom(...Object.keys(base)),
        fc.oneof(anyNumber, fc.jsonValue(), fc.constantFrom('TCP_RR', 'UDP_RR', 'UDP_STREAM')),
      ),
      { maxLength: 3 },
    )
    .map((changes) => ({ ...base, ...Object.fromEntries(changes) }));
  const message = fc.oneof(
    fc.jsonValue(),
    fc.record(
      { type: knownType, protocol: fc.jsonValue(), bench_version: fc.jsonValue(), mac: fc.jsonValue(), params: fc.jsonValue() },
      { requiredKeys: ['type'] },
    ),
    { arbitrary: params.map((p) => ({ type: 'TEST_REQUEST', params: p })), weight: 2 },
  );
  const frame = fc.oneof(
    message.map((m) => Buffer.from(JSON.stringify(m) ?? 'undefined', 'utf8')),
    fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
  );
  let accepted = 0;
  let acceptedRequests = 0;
  fc.assert(
    fc.property(frame, (bytes) => {
      try {
        const m = parseClientMessage(bytes);
        accepted++;
        assert.ok(['HELLO', 'AUTH_RESPONSE', 'TEST_REQUEST', 'START', 'STOP'].includes(m.type));
        if (m.type === 'TEST_REQUEST') {
          acceptedRequests++;
          const p = m.params;
          assert.ok(
            Number.isInteger(p.streams) &&
              Number.isInteger(p.size_bytes) &&
              p.streams >= 1 &&
              p.interval_s >= 0.1 &&
              p.timeout_s >= 1 &&
              p.duration_s > p.omit_s,
            JSON.stringify(p),
          );
        }
      } catch (err) {
        assert.ok(err instanceof BenchError && err.code === 'E_PROTOCOL', `${bytes.toString('utf8')}: ${String(err)}`);
      }
    }),
    { numRuns: 5000 },
  );
  assert.ok(
    accepted > 0 && acceptedRequests > 0,
    `some generated messages were valid (${accepted}, of which ${acceptedRequests} TEST_REQUEST)`,
  );
});

// The server's state machine: a model of each phase and what the server must answer.

type Phase = 'hello' | 'request' | 'attach' | 'start' | 'running' | 'done' | 'closed';
type Step =
  | 'hello'
  | 'badVersion'
  | 'request'
  | 'badRequest'
  | 'refusedRequest'
  | 'attach'
  | 'start'
  | 'stop'
  | 'authResponse'
  | 'unknownType'
  | 'notJson'
  | 'garbage'
  | 'hugeLength'
  | 'pause';
type Ending = 'cut' | 'linger' | 'partial';
/** What the protocol expects in each phase. */
const NEXT: Record<Phase, Step> = {
  hello: 'hello',
  request: 'request',
  attach: 'attach',
  start: 'start',
  running: 'stop',
  done: 'pause',
  closed: 'pause',
};

const TIMEOUT_S = 1;
const DURATION_S = 0.3;
let s: TestServer;
before(async () => {
  // One line per connection is the property here: no rate limit folds a burst of failures into a count.
  s = await startTestServer({ timeout_s: TIMEOUT_S, limits: { max_streams: 4 }, failure_lines_per_second: Infinity });
});
after(async () => {
  await s.close();
});

interface Conversation {
  raw: RawControl;
  test: TestName;
  phase: Phase;
  /** The data ports and cookie, once READY came. */
  ready: { cookie: string; data_ports: number[] } | null;
  closeData: () => void;
}

/** The next message other than QUEUED and INTERVAL (the server may send those in between). */
async function nextAnswer(raw: RawControl, timeoutMs = 3000): Promise<ServerMessage> {
  for (;;) {
    const m = await raw.next(timeoutMs);
    if (m.type !== 'QUEUED' && m.type !== 'INTERVAL') return m;
  }
}

async function expectError(c: Conversation, code: string): Promise<void> {
  const m = await nextAnswer(c.raw);
  assert.equal(m.type, 'ERROR', `${c.phase}: expected an ERROR ${code}, got ${JSON.stringify(m)}`);
  assert.equal((m as { code: string }).code, code, JSON.stringify(m));
  c.phase = 'closed';
}

function frame(text: string): Buffer {
  return encodeFrame(Buffer.from(text, 'utf8'));
}

async function play(c: Conversation, step: Step, garbage: Uint8Array): Promise<void> {
  const { raw } = c;
  switch (step) {
    case 'pause':
      return sleep(30);
    case 'hello':
    case 'badVersion':
      raw.send(hello(step === 'hello' ? PROTOCOL_VERSION : PROTOCOL_VERSION + 1));
      if (c.phase !== 'hello') return expectError(c, 'E_PROTOCOL');
      if (step === 'badVersion') return expectError(c, 'E_VERSION');
      assert.equal((await nextAnswer(raw)).type, 'WELCOME');
      c.phase = 'request';
      return;
    case 'request':
    case 'refusedRequest': {
      raw.send(
        testRequest(c.test, { duration_s: DURATION_S, interval_s: DURATION_S, timeout_s: TIMEOUT_S, streams: step === 'request' ? 1 : 5 }),
      );
      if (c.phase !== 'request') return expectError(c, 'E_PROTOCOL');
      if (step === 'refusedRequest') return expectError(c, 'E_REFUSED');
      const ready = await nextAnswer(raw);
      assert.equal(ready.type, 'READY', JSON.stringify(ready));
      c.ready = ready as { cookie: string; data_ports: number[] };
      c.phase = 'attach';
      return;
    }
    case 'badRequest':
      raw.send({ type: 'TEST_REQUEST', params: { test: c.test, duration_s: -1 } });
      return expectError(c, 'E_PROTOCOL');
    case 'attach':
      // Only a READY gives data ports to connect to; elsewhere there is nothing to attach.
      if (c.phase !== 'attach') return;
      c.closeData = await attachData(c.test, c.ready!);
      assert.equal((await nextAnswer(raw)).type, 'ATTACHED');
      c.phase = 'start';
      return;
    case 'start':
      raw.send({ type: 'START' });
      if (c.phase !== 'start') return expectError(c, 'E_PROTOCOL');
      c.phase = 'running';
      return;
    case 'stop':
      // As the real client does: its streams end first, then STOP.
      if (c.phase === 'running') c.closeData();
      raw.send({ type: 'STOP' });
      if (c.phase !== 'running') return expectError(c, 'E_PROTOCOL');
      assert.equal((await nextAnswer(raw)).type, 'RESULT');
      c.phase = 'done';
      return;
    case 'authResponse':
      raw.send({ type: 'AUTH_RESPONSE', mac: '00' });
      return expectError(c, 'E_PROTOCOL');
    case 'unknownType':
      raw.write(frame('{"type":"RESET"}'));
      return expectError(c, 'E_PROTOCOL');
    case 'notJson':
      raw.write(frame('{"type":'));
      return expectError(c, 'E_PROTOCOL');
    case 'garbage':
      // Random bytes in a frame: not a JSON object with a known type, whatever they are.
      raw.write(frame(`!${Buffer.from(garbage).toString('latin1')}`));
      return expectError(c, 'E_PROTOCOL');
    case 'hugeLength':
      raw.write(Buffer.from([0x7f, 0xff, 0xff, 0xff]));
      return expectError(c, 'E_FRAME_TOO_LARGE');
  }
}

async function end(c: Conversation, ending: Ending): Promise<void> {
  if (ending === 'cut') {
    c.raw.destroy();
    c.closeData();
    return;
  }
  if (ending === 'partial') c.raw.write(frame(JSON.stringify(hello())).subarray(0, 9));
  const live = c.phase !== 'closed' && c.phase !== 'done';
  await c.raw.waitClosed((DURATION_S + TIMEOUT_S) * 1000 + 2500);
  if (live) {
    const last = c.raw.received.at(-1) as { type: string; code?: string };
    // A TCP responder's stream goes silent while we linger: the stream's own deadline ends the test.
    const code = c.phase === 'running' && c.test === 'TCP_RR' ? 'E_DATA_PATH' : 'E_PEER_TIMEOUT';
    assert.deepEqual([last.type, last.code], ['ERROR', code], `lingering in phase ${c.phase}: ${JSON.stringify(c.raw.received)}`);
  }
  c.closeData();
}

test('random sequences of valid, invalid and out-of-order messages and cuts get the answers the model predicts, and the server keeps serving (property)', async () => {
  const step = fc.constantFrom<Step | 'next'>(
    'hello',
    'badVersion',
    'request',
    'badRequest',
    'refusedRequest',
    'attach',
    'start',
    'stop',
    'authResponse',
    'unknownType',
    'notJson',
    'garbage',
    'hugeLength',
    'pause',
  );
  // 'next' is whatever the protocol expects now: most sequences follow it for a while before they stray.
  const move = fc.oneof({ arbitrary: fc.constant<Step | 'next'>('next'), weight: 3 }, { arbitrary: step, weight: 2 });
  const sequence = fc.record({
    test: fc.constantFrom<TestName>('TCP_RR', 'UDP_RR'),
    steps: fc.array(move, { maxLength: 7 }),
    // Lingering waits out a deadline (a second or two); cuts are quick, so most sequences end in one.
    ending: fc.constantFrom<Ending>('cut', 'cut', 'cut', 'linger', 'partial'),
    garbage: fc.uint8Array({ maxLength: 40 }),
  });
  let sequences = 0;
  await fc.assert(
    fc.asyncProperty(sequence, async ({ test: testName, steps, ending, garbage }) => {
      sequences++;
      // Only events after this connect: an earlier connection may have had the same ephemeral port.
      const firstEvent = s.log.events.length;
      const raw = await RawControl.connect(s.port);
      const c: Conversation = { raw, test: testName, phase: 'hello', ready: null, closeData: () => {} };
      try {
        for (const st of steps) {
          if (c.phase === 'closed' || c.phase === 'done') break;
          await play(c, st === 'next' ? NEXT[c.phase] : st, garbage);
        }
        await end(c, ending);
        // Every connection ends in exactly one log line, ok only for a whole test.
        const client = `127.0.0.1:${raw.localPort}`;
        const ours = (): typeof s.log.events =>
          s.log.events.slice(firstEvent).filter((e) => e.event === 'test' && e.fields.client === client);
        await waitUntil(() => ours().length > 0, 3000, `the server logs the end of ${client}`);
        const lines = ours();
        assert.equal(lines.length, 1);
        assert.equal(lines[0].fields.status, c.phase === 'done' ? 'ok' : 'failed', JSON.stringify(lines[0]));
      } finally {
        raw.destroy();
        c.closeData();
      }
      const run = await normalTest(s.port);
      assert.equal(run.status, 'ok', `after ${JSON.stringify({ steps, ending })}: ${JSON.stringify(run.error)}`);
    }),
    { numRuns: 15, interruptAfterTimeLimit: 50_000, markInterruptAsFailure: true },
  );
  assert.ok(sequences >= 15);
});
