import net from 'node:net';

/**
 * A hostile peer, run as its own process (it needs more file descriptors than
 * the test runner has): opens COUNT connections to 127.0.0.1:PORT from the
 * source addresses 127.0.0.(2+FIRST) up to 127.0.0.(1+FIRST+ADDRESSES), in turn, sends
 * nothing, and never closes one, even after the server has (half-open: the
 * descriptor stays held on this side). Prints one JSON line when all are
 * opened, then holds them until killed.
 *
 * Usage: node hold-idle-connections.js PORT COUNT FIRST ADDRESSES
 */
const [port, count, first, addresses] = process.argv.slice(2).map(Number);
/** Connects in flight at once: enough to flood, few enough not to overrun the listen backlog. */
const IN_FLIGHT = 256;

const held: net.Socket[] = [];
let opened = 0;
let closedByServer = 0;
let failed = 0;
const failures = new Map<string, number>();
let next = 0;

function openOne(): Promise<void> {
  const i = next++;
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1', localAddress: `127.0.0.${2 + first + (i % addresses)}`, allowHalfOpen: true });
    socket.once('connect', () => {
      opened++;
      held.push(socket);
      resolve();
    });
    socket.on('end', () => closedByServer++);
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (socket.connecting) {
        failed++;
        failures.set(err.code ?? err.message, (failures.get(err.code ?? err.message) ?? 0) + 1);
        resolve();
      }
    });
  });
}

async function lane(): Promise<void> {
  while (next < count) await openOne();
}

await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
process.stdout.write(`${JSON.stringify({ opened, failed, failures: Object.fromEntries(failures), closed_by_server: closedByServer })}\n`);
// Held until the test kills this process.
setInterval(() => {}, 1 << 30);
