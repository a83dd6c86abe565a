import Ajv2020 from 'ajv/dist/2020.js';
import { readFileSync } from 'node:fs';
import { PROTOCOL_VERSION, type ServerMessage } from '../control/messages.js';
import { AuthError, BenchError, ProtocolError, RefusedError, asBenchError, errorFromWire } from '../core/errors.js';
import { benchVersion, packagePath } from '../core/package-paths.js';
import type { PeerAddress, RunTestOptions } from '../core/run-events.js';
import { markFailed, unmeasuredRun, type IntervalRecord, type RunObject } from '../core/run-object.js';
import { connectControl, formatPeer, loadClientAuth, type ClientControl } from './connect-control.js';

/**
 * A run between two remote hosts: this process (the orchestrator) asks the
 * `from` server, over a control connection it authenticates with the token,
 * to run the client side against `to`. The `from` server streams each
 * interval and then the run object, so progress is live and the run object
 * is the one any other run gives. Like runTest, never throws for a failed
 * measurement: the run object says `failed` and why.
 */
export interface RemoteTestOptions extends RunTestOptions {
  from: PeerAddress;
  peer: PeerAddress;
}

export async function runRemoteTest(options: RemoteTestOptions): Promise<RunObject> {
  const { params, from, peer: to } = options;
  const startedAt = new Date().toISOString();
  const run: RunObject = {
    ...unmeasuredRun(params, to, startedAt),
    from: { host: from.host, port: from.port },
    to: { host: to.host, port: to.port },
  };
  let conn: ClientControl | null = null;
  try {
    const timeoutMs = params.timeout_s * 1000;
    const auth = await loadClientAuth(from);
    options.onEvent?.({ type: 'connecting', peer: from.name ?? from.host });
    conn = await connectControl(from, timeoutMs);
    conn.send({ type: 'HELLO', protocol: PROTOCOL_VERSION, bench_version: benchVersion });
    const welcome = await nextOrError(conn, timeoutMs, 'waiting for the server to answer HELLO');
    if (welcome.type !== 'WELCOME') throw new ProtocolError(`expected WELCOME from ${conn.peerName}, got ${welcome.type}`);
    run.from = { host: from.host, port: from.port, name: welcome.hostname };
    if (!welcome.remote) {
      throw new RefusedError(`${conn.peerName} does not run tests for others: start it with bench serve --allow-remote --token-file FILE`);
    }
    if (welcome.auth_required) {
      if (!auth) throw new AuthError(`${conn.peerName} requires a token: pass --token-file (token_file on a scenario peer)`);
      await auth.answer(conn, timeoutMs);
    }
    conn.send({ type: 'REMOTE_TEST_REQUEST', params, to: { host: to.host, port: to.port } });

    // The from server speaks at least once per interval while the test runs, and every
    // few seconds while it queues; before and after, it waits on its own deadlines.
    const silenceMs = 2 * timeoutMs + params.interval_s * 1000;
    let stopSent = false;
    const stop = (): void => {
      if (stopSent || !conn) return;
      stopSent = true;
      conn.send({ type: 'STOP' });
    };
    if (options.signal?.aborted) stop();
    options.signal?.addEventListener('abort', stop, { once: true });
    try {
      for (;;) {
        const m = await nextOrError(conn, silenceMs, `running ${params.test} towards ${formatPeer(to)}`);
        if (m.type === 'QUEUED') {
          options.onEvent?.({ type: 'queued', position: m.position });
        } else if (m.type === 'REMOTE_INTERVAL') {
          options.onEvent?.({ type: 'interval', index: m.index, record: checkedInterval(conn, m.record) });
        } else if (m.type === 'REMOTE_RESULT') {
          const remote = checkedRun(conn, m.run);
          return {
            ...remote,
            ...(remote.status === 'failed' && remote.error ? { error: seenByFrom(conn, to, remote.error) } : {}),
            id: run.id,
            peer: { host: to.host, port: to.port, embedded: false },
            from: run.from,
            to: { host: to.host, port: to.port, ...(remote.to?.name ? { name: remote.to.name } : {}) },
            ...(options.signal?.aborted ? { interrupted: true } : {}),
          };
        } else {
          throw new ProtocolError(`unexpected ${m.type} from ${conn.peerName} during a remote test`);
        }
      }
    } finally {
      options.signal?.removeEventListener('abort', stop);
    }
  } catch (err) {
    markFailed(run, asBenchError(err), options.signal);
    return run;
  } finally {
    conn?.destroy();
  }
}

/**
 * A failure the from server met while it ran the test says so, and names the
 * `to` peer as the scenario does: "cannot reach peer 10.0.0.3:7575" alone
 * reads as if this host could not reach it, and in a mesh the address is not
 * the name the user wrote.
 */
function seenByFrom(conn: ClientControl, to: PeerAddress, error: { code: string; message: string }): { code: string; message: string } {
  // An interruption is the orchestrator's own doing, said the same way for every run.
  if (error.code === 'E_INTERRUPTED') return error;
  const bare = `peer ${formatPeer({ host: to.host, port: to.port })}`;
  const named = to.name ? error.message.split(bare).join(`peer ${formatPeer(to)}`) : error.message;
  return { code: error.code, message: `${conn.peerName} reports: ${named}` };
}

async function nextOrError(conn: ClientControl, timeoutMs: number, phase: string): Promise<ServerMessage> {
  const m = await conn.next(timeoutMs, phase);
  if (m.type === 'ERROR') {
    const e = errorFromWire(m);
    throw new BenchError(e.code, `${conn.peerName}: ${e.message}`);
  }
  return m;
}

/**
 * What a remote server reports becomes a result: it must be a run object the
 * results schema accepts, no more trusted than a results file.
 */
let validators: { run: (v: unknown) => boolean; interval: (v: unknown) => boolean; errors: () => string } | null = null;

function schemaValidators(): NonNullable<typeof validators> {
  if (validators) return validators;
  const ajv = new Ajv2020.default({ allErrors: false, strict: false });
  const schema = JSON.parse(readFileSync(packagePath('schemas/results.schema.json'), 'utf8')) as object;
  ajv.addSchema(schema, 'results');
  const run = ajv.getSchema('results#/$defs/run');
  const interval = ajv.getSchema('results#/$defs/interval');
  if (!run || !interval) throw new BenchError('E_INTERNAL', 'schemas/results.schema.json has no run or interval definition');
  const current = { run, interval, last: run };
  validators = {
    run: (v) => {
      current.last = run;
      return run(v) as boolean;
    },
    interval: (v) => {
      current.last = interval;
      return interval(v) as boolean;
    },
    errors: () => {
      const first = current.last.errors?.[0];
      return first ? `${first.instancePath || '(top)'} ${first.message ?? 'is invalid'}` : 'is invalid';
    },
  };
  return validators;
}

function checkedRun(conn: ClientControl, value: unknown): RunObject {
  const v = schemaValidators();
  if (!v.run(value)) throw new ProtocolError(`${conn.peerName} reported a run object that is not valid: ${v.errors()}`);
  return value as RunObject;
}

function checkedInterval(conn: ClientControl, value: unknown): IntervalRecord {
  const v = schemaValidators();
  if (!v.interval(value)) throw new ProtocolError(`${conn.peerName} reported an interval that is not valid: ${v.errors()}`);
  return value as IntervalRecord;
}
