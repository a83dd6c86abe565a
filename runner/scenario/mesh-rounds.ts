/**
 * Rounds for `parallel: disjoint`: every ordered pair of a mesh exactly once,
 * grouped so that no host is in two runs of one round.
 *
 * The round-robin (circle) method: fix one host, rotate the others around it;
 * each rotation pairs every host with a different partner, so N hosts (a
 * "bye" added when N is odd) give N-1 rounds of disjoint unordered pairs.
 * Each unordered round is run twice, once in each direction, so an N-host
 * mesh of N(N-1) runs takes 2(N-1) rounds: 32 hosts, 62 rounds, not 992.
 */
export interface OrderedPair<T> {
  from: T;
  to: T;
}

export function meshPairs<T>(hosts: readonly T[]): Array<OrderedPair<T>> {
  const pairs: Array<OrderedPair<T>> = [];
  for (const from of hosts) for (const to of hosts) if (from !== to) pairs.push({ from, to });
  return pairs;
}

/** The mesh of `hosts` in rounds of host-disjoint ordered pairs. */
export function disjointMeshRounds<T>(hosts: readonly T[]): Array<Array<OrderedPair<T>>> {
  if (hosts.length < 2) return [];
  const BYE = Symbol('bye');
  const circle: Array<T | typeof BYE> = hosts.length % 2 === 0 ? [...hosts] : [...hosts, BYE];
  const n = circle.length;
  const rounds: Array<Array<OrderedPair<T>>> = [];
  for (let r = 0; r < n - 1; r++) {
    const forward: Array<OrderedPair<T>> = [];
    for (let i = 0; i < n / 2; i++) {
      const a = circle[i];
      const b = circle[n - 1 - i];
      if (a === BYE || b === BYE) continue;
      // Alternate which side sends first, so no host is always the sender of the first round.
      forward.push(r % 2 === 0 ? { from: a, to: b } : { from: b, to: a });
    }
    rounds.push(
      forward,
      forward.map(({ from, to }) => ({ from: to, to: from })),
    );
    // Rotate every position but the first.
    circle.splice(1, 0, circle.pop()!);
  }
  return rounds;
}

/**
 * Any list of ordered pairs (a mesh, or `pairs:` written by hand) in rounds
 * where no host appears twice: greedy, first fit, in the order given. For a
 * full mesh use disjointMeshRounds, which is optimal; this serves the rest.
 */
export function disjointRounds<T>(pairs: ReadonlyArray<OrderedPair<T>>): Array<Array<OrderedPair<T>>> {
  const rounds: Array<{ busy: Set<T>; pairs: Array<OrderedPair<T>> }> = [];
  for (const pair of pairs) {
    let round = rounds.find((r) => !r.busy.has(pair.from) && !r.busy.has(pair.to));
    if (!round) {
      round = { busy: new Set(), pairs: [] };
      rounds.push(round);
    }
    round.busy.add(pair.from);
    round.busy.add(pair.to);
    round.pairs.push(pair);
  }
  return rounds.map((r) => r.pairs);
}
