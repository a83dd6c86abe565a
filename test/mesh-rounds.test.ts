import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { disjointMeshRounds, disjointRounds, meshPairs, type OrderedPair } from '../runner/scenario/mesh-rounds.js';

function key(p: OrderedPair<string>): string {
  return `${p.from}>${p.to}`;
}

function hostsOf(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `h${i}`);
}

test('a mesh of N hosts is every ordered pair once: N(N-1) runs', () => {
  assert.deepEqual(meshPairs(['a', 'b', 'c']).map(key), ['a>b', 'a>c', 'b>a', 'b>c', 'c>a', 'c>b']);
  assert.equal(meshPairs(hostsOf(32)).length, 992);
});

test('disjoint rounds: 32 hosts in 62 rounds of 16 runs, 4 hosts in 6 rounds of 2', () => {
  const rounds32 = disjointMeshRounds(hostsOf(32));
  assert.equal(rounds32.length, 62);
  assert.ok(rounds32.every((r) => r.length === 16));
  const rounds4 = disjointMeshRounds(hostsOf(4));
  assert.equal(rounds4.length, 6);
  assert.ok(rounds4.every((r) => r.length === 2));
});

test('disjoint rounds hold every ordered pair exactly once and no host twice in a round, for any N', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 40 }), (n) => {
      const hosts = hostsOf(n);
      const rounds = disjointMeshRounds(hosts);
      const seen = rounds.flat().map(key);
      assert.deepEqual([...seen].sort(), meshPairs(hosts).map(key).sort());
      for (const round of rounds) {
        const inRound = round.flatMap((p) => [p.from, p.to]);
        assert.equal(new Set(inRound).size, inRound.length);
      }
      assert.equal(rounds.length, n < 2 ? 0 : 2 * (n % 2 === 0 ? n - 1 : n));
    }),
  );
});

test('hand-written pairs are packed into disjoint rounds in the order given', () => {
  const pairs = [
    { from: 'a', to: 'b' },
    { from: 'c', to: 'd' },
    { from: 'a', to: 'c' },
    { from: 'b', to: 'd' },
    { from: 'a', to: 'b' },
  ];
  assert.deepEqual(
    disjointRounds(pairs).map((r) => r.map(key)),
    [['a>b', 'c>d'], ['a>c', 'b>d'], ['a>b']],
  );
});
