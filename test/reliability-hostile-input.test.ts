import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { encodeFrame } from '../runner/control/frame-decoder.js';
import { attachData, hello, RawControl, requestTest, sleep, testRequest, waitUntil } from './helpers/raw-control.js';
import { normalTest, startTestServer, type LoggedEvent, type TestServer } from './helpers/in-process-server.js';

/**
 * Hostile and broken control input against a real server on loopback: each
 * case checks what the server answers, that it lets go of the connection in
 * time, and that the next normal client still gets a correct test.
 */
const TIMEOUT_S = 2;
let s: TestServer;
before(async () => {
  s = await startTestServer({ timeout_s: TIMEOUT_S });
});
after(async () => {
  await s.close();
});

async function assertStillServes(): Promise<void> {
  const run = await normalTest(s.port);
  assert.equal(run.status, 'ok', JSON.stringify(run.error));
  assert.ok((run.summary as { transactions: number }).transactions > 0);
}

/** Sends `bytes`, then expects one ERROR with `code` and `message` and the connection closed. */
async function expectRefusal(bytes: Buffer, code: string, message: string): Promise<void> {
  const raw = await RawControl.connect(s.port);
  raw.write(bytes);
  assert.deepEqual(await raw.next(3000), { type: 'ERROR', code, message });
  await raw.waitClosed(2000);
  assert.equal(raw.received.length, 1, 'nothing after the ERROR');
}

function frame(text: string): Buffer {
  return encodeFrame(Buffer.from(text, 'utf8'));
}

test('random bytes, a huge claimed length, bad JSON and unknown types are each answered with an ERROR naming the problem', async () => {
  // A length's top bit says more parts follow (a long run's RESULT); the other 31 bits are still checked against one frame.
  for (const claimed of [0x7ffffff0, 0xfffffff0]) {
    const header = Buffer.alloc(4);
    header.writeUInt32BE(claimed);
    await expectRefusal(
      Buffer.concat([header, Buffer.from('x')]),
      'E_FRAME_TOO_LARGE',
      'control frame of 2147483632 bytes exceeds the limit of 262144 bytes - the peer is not a compatible bench',
    );
  }
  // What a web browser sends to the wrong port: its first 4 bytes read as a length of 1.2 GB, and are text.
  await expectRefusal(
    Buffer.from('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n'),
    'E_FRAME_TOO_LARGE',
    'this is not a bench peer: it speaks HTTP ("GET / HTTP/1.1") - check the host and port',
  );
  await expectRefusal(
    Buffer.from('SSH-2.0-OpenSSH_9.6\r\n'),
    'E_FRAME_TOO_LARGE',
    'this is not a bench peer: it speaks SSH ("SSH-2.0-OpenSSH_9.6") - check the host and port',
  );
  // Random bytes: any first byte over zero claims a frame of more than 16 MB; a control byte among the first 4 makes it no text.
  const noise = randomBytes(64);
  noise[0] |= 0x01;
  noise[3] = 0x07;
  await expectRefusal(
    noise,
    'E_FRAME_TOO_LARGE',
    // The top bit is the more-parts flag, not part of the length.
    `control frame of ${noise.readUInt32BE(0) & 0x7fffffff} bytes exceeds the limit of 262144 bytes - the peer is not a compatible bench`,
  );
  await expectRefusal(frame('{"type":"HELLO",'), 'E_PROTOCOL', 'control frame is not valid JSON - the peer is not a compatible bench');
  await expectRefusal(frame('[1,2,3]'), 'E_PROTOCOL', 'control frame is not a JSON object');
  await expectRefusal(frame('null'), 'E_PROTOCOL', 'control frame is not a JSON object');
  await expectRefusal(frame('{"type":"DANCE"}'), 'E_PROTOCOL', 'unknown control message type "DANCE"');
  await expectRefusal(frame('{"kind":"HELLO"}'), 'E_PROTOCOL', 'unknown control message type undefined');
  // A server's message from a client is as foreign as an unknown one.
  await expectRefusal(frame('{"type":"WELCOME","protocol":1}'), 'E_PROTOCOL', 'unknown control message type "WELCOME"');
  await expectRefusal(
    frame('{"type":"HELLO","protocol":"1","bench_version":"0.1.0"}'),
    'E_PROTOCOL',
    "HELLO message without a numeric 'protocol'",
  );
  await expectRefusal(Buffer.from([0, 0, 0, 0]), 'E_PROTOCOL', 'control frame is not valid JSON - the peer is not a compatible bench');
  assert.equal(s.log.count('start'), 0, 'no test started');
  await assertStillServes();
});

test('a frame claiming one byte over the limit is refused from its header alone; one of exactly the limit is read and judged on its content', async () => {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(262_145);
  await expectRefusal(
    header,
    'E_FRAME_TOO_LARGE',
    'control frame of 262145 bytes exceeds the limit of 262144 bytes - the peer is not a compatible bench',
  );
  // A frame of exactly the limit is read whole, then judged on its content.
  const padded = `{"type":"HELLO","pad":"${'x'.repeat(262_144 - Buffer.byteLength('{"type":"HELLO","pad":""}'))}"}`;
  assert.equal(Buffer.byteLength(padded), 262_144);
  await expectRefusal(frame(padded), 'E_PROTOCOL', "HELLO message without a numeric 'protocol'");
  await assertStillServes();
});

test('silent and slow peers are cut at the deadline of the phase, not held open by a trickle', async () => {
  const started = Date.now();
  const helloFrame = encodeFrame(Buffer.from(JSON.stringify(hello()), 'utf8'));
  const silent = await RawControl.connect(s.port);
  const half = await RawControl.connect(s.port);
  half.write(helloFrame.subarray(0, 10));
  const slow = await RawControl.connect(s.port);
  // One byte every 300 ms: always active, never done within the deadline.
  let sent = 0;
  const trickle = setInterval(() => {
    if (sent < helloFrame.length && !slow.socket.destroyed) slow.write(helloFrame.subarray(sent, ++sent));
  }, 300);
  const afterHello = await RawControl.connect(s.port);
  afterHello.send(hello());
  try {
    for (const [raw, phase] of [
      [silent, 'waiting for HELLO'],
      [half, 'waiting for HELLO'],
      [slow, 'waiting for HELLO'],
      [afterHello, 'waiting for TEST_REQUEST'],
    ] as const) {
      await raw.waitClosed(TIMEOUT_S * 1000 + 2000);
      const error = {
        type: 'ERROR',
        code: 'E_PEER_TIMEOUT',
        message: `client 127.0.0.1:${raw.localPort} did not finish the handshake within ${TIMEOUT_S}s (still ${phase}) - is it a bench client?`,
      };
      assert.deepEqual(
        raw.received.filter((m) => m.type !== 'WELCOME'),
        [error],
      );
    }
  } finally {
    clearInterval(trickle);
  }
  const elapsed = (Date.now() - started) / 1000;
  assert.ok(elapsed < TIMEOUT_S + 1.5, `all four cut within the ${TIMEOUT_S}s deadline (took ${elapsed}s)`);
  assert.ok(sent < helloFrame.length, 'the slow sender never finished its HELLO');
  await assertStillServes();
});

test('messages out of order are refused at once with the expected and the received type', async () => {
  const cases: Array<{ steps: object[]; message: string }> = [
    { steps: [{ type: 'START' }], message: 'expected HELLO first, got START' },
    { steps: [testRequest('TCP_RR')], message: 'expected HELLO first, got TEST_REQUEST' },
    { steps: [hello(), { type: 'START' }], message: 'expected TEST_REQUEST, got START' },
    { steps: [hello(), { type: 'STOP' }], message: 'expected TEST_REQUEST, got STOP' },
    { steps: [hello(), hello()], message: 'expected TEST_REQUEST, got HELLO' },
    { steps: [hello(), { type: 'AUTH_RESPONSE', mac: 'ab' }], message: 'expected TEST_REQUEST, got AUTH_RESPONSE' },
    {
      steps: [hello(), { type: 'TEST_REQUEST', params: { test: 'TCP_RR' } }],
      message:
        'TEST_REQUEST with invalid params: duration_s, interval_s, omit_s, size_bytes, request_size_bytes, response_size_bytes, rate_bps, streams, reverse, bidir, idle_s, direction, probe_interval_s, timeout_s, bind_address, dscp, congestion, mss_bytes, window_bytes missing (a bench client sends every field)',
    },
    {
      steps: [hello(), { type: 'TEST_REQUEST', params: { ...testRequest('ICMP' as never).params } }],
      message: 'TEST_REQUEST with invalid params: unknown test "ICMP"',
    },
  ];
  for (const { steps, message } of cases) {
    const raw = await RawControl.connect(s.port);
    for (const step of steps) raw.send(step);
    const reply = await raw
      .nextAfterQueue(3000)
      .then((m) => (m.type === 'WELCOME' ? raw.nextAfterQueue(3000) : m))
      .catch((e: Error) => {
        throw new Error(`${JSON.stringify(steps)}: ${e.message}`);
      });
    assert.deepEqual(reply, { type: 'ERROR', code: 'E_PROTOCOL', message }, JSON.stringify(steps));
    await raw.waitClosed(2000);
  }
  await assertStillServes();
});

test('requests no bench client would send are refused before anything runs: a flood of samples, no timeout, fractional streams', async () => {
  const cases: Array<[object, string]> = [
    [
      { interval_s: 0.000001 },
      'TEST_REQUEST with invalid params: interval must be at least 100ms, not 0.001ms: shorter intervals are too short to measure',
    ],
    [
      { timeout_s: 0 },
      'TEST_REQUEST with invalid params: timeout must be at least 1s, not 0s: a shorter one would declare a healthy peer dead',
    ],
    [{ streams: 1.5 }, 'TEST_REQUEST with invalid params: streams 1.5 is not a whole number'],
    [{ streams: 0 }, 'TEST_REQUEST with invalid params: streams must be at least 1, not 0'],
    [
      { omit_s: 5, duration_s: 1 },
      'TEST_REQUEST with invalid params: omit 5s leaves nothing to measure in a 1s run: make omit shorter than duration',
    ],
    [{ size_bytes: 0.5 }, 'TEST_REQUEST with invalid params: size_bytes 0.5 is not a whole number'],
  ];
  const startsBefore = s.log.count('start');
  for (const [overrides, message] of cases) {
    const raw = await RawControl.connect(s.port);
    raw.send(hello());
    raw.send(testRequest('TCP_STREAM', overrides));
    assert.equal((await raw.next()).type, 'WELCOME');
    assert.deepEqual(await raw.next(), { type: 'ERROR', code: 'E_PROTOCOL', message });
    await raw.waitClosed(2000);
  }
  assert.equal(s.log.count('start'), startsBefore, 'none of them started a test');
});

test("a client asking for a day-long timeout is still dropped at the server's own deadline", async () => {
  const raw = await RawControl.connect(s.port);
  await requestTest(raw, testRequest('TCP_RR', { timeout_s: 100_000 }));
  const readyAt = Date.now();
  // It never opens its data connection: the server waits its own 2s, not the client's 100000s.
  assert.deepEqual(await raw.next(TIMEOUT_S * 1000 + 2000), {
    type: 'ERROR',
    code: 'E_PEER_TIMEOUT',
    message: `no data connection with this test's cookie arrived within ${TIMEOUT_S}s`,
  });
  assert.ok(Date.now() - readyAt >= TIMEOUT_S * 1000 - 100, 'not before the deadline either');
  await raw.waitClosed(2000);
  await assertStillServes();
});

test('START before the data connections and STOP before START are refused at once, without waiting for a deadline', async () => {
  for (const early of ['START', 'STOP']) {
    const raw = await RawControl.connect(s.port);
    await requestTest(raw, testRequest('TCP_RR'));
    const sentAt = Date.now();
    raw.send({ type: early });
    const reply = await raw.next(3000);
    assert.deepEqual(reply, {
      type: 'ERROR',
      code: 'E_PROTOCOL',
      message: `unexpected ${early} from client 127.0.0.1:${raw.localPort} while waiting for the data connections`,
    });
    assert.ok(Date.now() - sentAt < 1000, 'refused at once, not at the data deadline');
    await raw.waitClosed(2000);
  }
  const raw = await RawControl.connect(s.port);
  const ready = await requestTest(raw, testRequest('UDP_RR'));
  const closeData = await attachData('UDP_RR', ready);
  assert.equal((await raw.next()).type, 'ATTACHED');
  raw.send({ type: 'STOP' });
  assert.deepEqual(await raw.next(), { type: 'ERROR', code: 'E_PROTOCOL', message: 'expected START from the client, got STOP' });
  await raw.waitClosed(2000);
  closeData();
  await assertStillServes();
});

test('STOP sent while queued is refused at once, and the client behind it moves up', async () => {
  const holder = await RawControl.connect(s.port);
  const ready = await requestTest(holder, testRequest('UDP_RR', { duration_s: 1 }));
  const closeData = await attachData('UDP_RR', ready);
  try {
    const waiting = await RawControl.connect(s.port);
    waiting.send(hello());
    waiting.send(testRequest('TCP_RR'));
    const behind = await RawControl.connect(s.port);
    behind.send(hello());
    await waitUntil(() => waiting.received.some((m) => m.type === 'QUEUED'), 2000, 'the first waiting client hears it is queued');
    behind.send(testRequest('TCP_RR'));
    await waitUntil(() => behind.received.some((m) => m.type === 'QUEUED'), 2000, 'the second waiting client hears it is queued');
    assert.deepEqual(
      waiting.received.filter((m) => m.type === 'QUEUED'),
      [{ type: 'QUEUED', position: 1 }],
    );
    assert.deepEqual(
      behind.received.filter((m) => m.type === 'QUEUED'),
      [{ type: 'QUEUED', position: 2 }],
    );
    waiting.send({ type: 'STOP' });
    await waiting.waitClosed(1000);
    assert.deepEqual(waiting.received.at(-1), {
      type: 'ERROR',
      code: 'E_PROTOCOL',
      message: `unexpected STOP from client 127.0.0.1:${waiting.localPort} while waiting in the queue`,
    });
    await waitUntil(() => behind.received.filter((m) => m.type === 'QUEUED').length === 2, 1000, 'the client behind hears it moved up');
    assert.deepEqual(
      behind.received.filter((m) => m.type === 'QUEUED'),
      [
        { type: 'QUEUED', position: 2 },
        { type: 'QUEUED', position: 1 },
      ],
    );
    behind.destroy();
  } finally {
    holder.destroy();
    closeData();
  }
  await assertStillServes();
});

test('a client that disconnects at each step of the protocol is noticed at once and the next client is served', async () => {
  const steps = [
    'after connect',
    'after HELLO',
    'after TEST_REQUEST',
    'while queued',
    'after READY',
    'after ATTACHED',
    'after START',
    'mid-test',
  ] as const;
  for (const step of steps) {
    const holder = step === 'while queued' ? await RawControl.connect(s.port) : null;
    const holderData = holder ? await attachData('UDP_RR', await requestTest(holder, testRequest('UDP_RR', { duration_s: 1 }))) : null;
    // Only events after this connect: an earlier connection may have had the same ephemeral port.
    const firstEvent = s.log.events.length;
    const raw = await RawControl.connect(s.port);
    let closeData = (): void => {};
    if (step !== 'after connect') {
      raw.send(hello());
      assert.equal((await raw.next()).type, 'WELCOME');
    }
    if (step === 'after TEST_REQUEST') raw.send(testRequest('UDP_STREAM', { rate_bps: 10_000_000 }));
    if (step === 'while queued') {
      raw.send(testRequest('TCP_RR'));
      assert.deepEqual(await raw.next(), { type: 'QUEUED', position: 1 });
    }
    if (step === 'after READY' || step === 'after ATTACHED' || step === 'after START' || step === 'mid-test') {
      raw.send(testRequest('TCP_STREAM', { duration_s: 5 }));
      const ready = await raw.nextAfterQueue();
      assert.equal(ready.type, 'READY', JSON.stringify(raw.received));
      if (step !== 'after READY') {
        closeData = await attachData('TCP_STREAM', ready as { cookie: string; data_ports: number[] });
        assert.equal((await raw.next()).type, 'ATTACHED');
      }
      if (step === 'after START' || step === 'mid-test') raw.send({ type: 'START' });
      if (step === 'mid-test') await sleep(700);
    }
    await sleep(100);
    const cutAt = Date.now();
    raw.destroy();
    closeData();
    const client = `127.0.0.1:${raw.localPort}`;
    const failure = (): LoggedEvent | undefined =>
      s.log.events.slice(firstEvent).find((e) => e.event === 'test' && e.fields.client === client);
    await waitUntil(() => failure() !== undefined, TIMEOUT_S * 1000, `the server logs the test ${step} as failed`);
    assert.ok(Date.now() - cutAt < 1000, `noticed ${step} within a second, before any deadline`);
    assert.equal(failure()!.fields.status, 'failed');
    assert.equal(failure()!.fields.error, `client ${client} closed the control connection`, step);
    holder?.destroy();
    holderData?.();
    await assertStillServes();
  }
});
