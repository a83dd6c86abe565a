import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { PeerUnreachableError } from '../core/errors.js';

/**
 * A peer group written `{ dns: NAME, port: 7575 }`: every A and AAAA record
 * of NAME is a member, resolved when the scenario starts (a Kubernetes
 * headless Service answers with one record per ready pod). The system
 * resolver is asked, as every other program on the host would ask it: its
 * search domains, /etc/hosts and nsswitch apply.
 */
export interface GroupMember {
  host: string;
  port: number;
}

/** How long the resolver may take before the scenario stops with an error that says so. */
const LOOKUP_TIMEOUT_MS = 10_000;
/** A group is a set of hosts to mesh: more than this is a mistake (a wildcard record), not a rack. */
const MAX_GROUP_MEMBERS = 256;

export async function resolveDnsGroup(group: string, name: string, port: number, timeoutMs = LOOKUP_TIMEOUT_MS): Promise<GroupMember[]> {
  if (isIP(name)) return [{ host: name, port }];
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new PeerUnreachableError(
            `peer group '${group}': no answer for ${name} within ${timeoutMs / 1000}s - is the DNS server reachable from this host?`,
          ),
        ),
      timeoutMs,
    );
  });
  try {
    const records = await Promise.race([lookup(name, { all: true, verbatim: true }), timeout]);
    const hosts = [...new Set(records.map((r) => r.address))];
    if (hosts.length === 0) throw new PeerUnreachableError(`peer group '${group}': ${name} has no A or AAAA record`);
    if (hosts.length > MAX_GROUP_MEMBERS) {
      throw new PeerUnreachableError(
        `peer group '${group}': ${name} has ${hosts.length} addresses; a group holds at most ${MAX_GROUP_MEMBERS}`,
      );
    }
    return hosts.map((host) => ({ host, port }));
  } catch (err) {
    if (err instanceof PeerUnreachableError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOTFOUND' || code === 'ENODATA'
        ? 'the name is not known to DNS - check the spelling, and that the service has ready members'
        : code === 'EAI_AGAIN'
          ? 'the DNS server did not answer - try again, or check the resolver configuration'
          : (err as Error).message;
    throw new PeerUnreachableError(`peer group '${group}': cannot resolve ${name}: ${why}`);
  } finally {
    clearTimeout(timer);
  }
}
