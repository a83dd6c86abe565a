import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, describe, test } from 'node:test';
import { runTestOrEmbedded as runTest } from '../runner/cli/local-run.js';
import { resolveParams } from '../runner/core/resolve-params.js';
import { startHealthEndpoint, type HealthStatus } from '../runner/server/health-endpoint.js';
import { runCli, startServeProcess } from './helpers/cli.js';

/** One real HTTP request; the whole answer, as a probe or curl sees it. */
function httpRequest(
  port: number,
  path: string,
  method = 'GET',
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('health endpoint', () => {
  const status: HealthStatus = { name: 'node-a', busy: false, waiting: 0, tests_served: 0 };
  const endpoint = startHealthEndpoint({ host: '127.0.0.1', port: 0, status: () => status });
  after(async () => (await endpoint).close());

  test('GET /healthz answers 200 with the server state as JSON, read at each request', async () => {
    const { port } = (await endpoint).address;
    const first = await httpRequest(port, '/healthz');
    assert.equal(first.status, 200);
    assert.equal(first.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(first.body), { status: 'ok', name: 'node-a', busy: false, waiting: 0, tests_served: 0 });
    Object.assign(status, { busy: true, waiting: 2, tests_served: 7 });
    const second = await httpRequest(port, '/healthz?probe=liveness');
    assert.deepEqual(JSON.parse(second.body), { status: 'ok', name: 'node-a', busy: true, waiting: 2, tests_served: 7 });
    const head = await httpRequest(port, '/healthz', 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
  });

  test('every other path and method is 404', async () => {
    const { port } = (await endpoint).address;
    for (const [path, method] of [
      ['/', 'GET'],
      ['/healthz/', 'GET'],
      ['/metrics', 'GET'],
      ['/healthz', 'POST'],
      ['/healthz', 'DELETE'],
    ]) {
      const r = await httpRequest(port, path, method);
      assert.equal(r.status, 404, `${method} ${path}`);
      assert.deepEqual(JSON.parse(r.body), { status: 'not found', path: '/healthz' });
    }
  });

  test('a malformed request gets 400 and its socket closed; the endpoint keeps answering', async () => {
    const { port } = (await endpoint).address;
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
      let text = '';
      socket.setEncoding('utf8').on('data', (d: string) => (text += d));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    assert.match(answer, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.equal((await httpRequest(port, '/healthz')).status, 200);
  });

  test('a client that connects and sends nothing is disconnected by the endpoint (socket timeout)', async () => {
    const { port } = (await endpoint).address;
    const received = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      let text = '';
      socket.setEncoding('utf8').on('data', (d: string) => (text += d));
      // The endpoint, not this test, ends the connection: 'close' is the event waited on.
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    assert.doesNotMatch(received, /200 OK/);
  });

  test('a port in use is a clear listen error', async () => {
    const { port } = (await endpoint).address;
    await assert.rejects(startHealthEndpoint({ host: '127.0.0.1', port, status: () => status }), {
      code: 'E_LISTEN',
      message: `cannot listen for health probes on 127.0.0.1:${port}: the port is in use - pick another --health-port`,
    });
  });
});

describe('bench serve --health-port', () => {
  test('probes during a running test see it busy, neither queue nor disturb it, and never touch the control port', async () => {
    const serve = await startServeProcess(['--health-port', '0', '--name', 'probe-node']);
    try {
      const health = Number(/ health=127\.0\.0\.1:(\d+)/.exec(serve.log())?.[1]);
      assert.ok(health > 0, `no health address in the listening line: ${serve.log()}`);
      assert.deepEqual(JSON.parse((await httpRequest(health, '/healthz')).body), {
        status: 'ok',
        name: 'probe-node',
        busy: false,
        waiting: 0,
        tests_served: 0,
      });

      const duringTest: unknown[] = [];
      let probing: Promise<void> = Promise.resolve();
      const run = await runTest({
        params: resolveParams('TCP_STREAM', { duration: '3s', interval: '500ms' }),
        peer: { host: '127.0.0.1', port: serve.port },
        onEvent: (event) => {
          // At the first interval the test is running on the server: probe it then, many times over.
          if (event.type === 'interval' && event.index === 0) {
            probing = (async () => {
              for (let i = 0; i < 10; i++) duringTest.push(JSON.parse((await httpRequest(health, '/healthz')).body));
            })();
          }
        },
      });
      await probing;
      assert.equal(run.status, 'ok', run.error?.message);
      assert.equal(run.intervals.length, 6);
      assert.equal(duringTest.length, 10);
      for (const answer of duringTest)
        assert.deepEqual(answer, { status: 'ok', name: 'probe-node', busy: true, waiting: 0, tests_served: 0 });

      // The server counts a test once its workers are freed: wait for its log line, then read the count.
      while (!/ test .*status=ok/.test(serve.log())) await new Promise((resolve) => serve.process.stderr!.once('data', resolve));
      assert.deepEqual(JSON.parse((await httpRequest(health, '/healthz')).body), {
        status: 'ok',
        name: 'probe-node',
        busy: false,
        waiting: 0,
        tests_served: 1,
      });
      // Twelve probes, one test: the control port saw only the test's client.
      assert.equal(serve.log().match(/ start client=/g)?.length, 1);
      assert.doesNotMatch(serve.log(), /queued/);
    } finally {
      await serve.stop();
    }
  });

  test('a bad --health-port is a usage error naming the option', async () => {
    const r = await runCli(['serve', '--port', '0', '--health-port', 'eighty']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, "bench: invalid health-port 'eighty': write a whole number, such as 4\n");
  });
});
