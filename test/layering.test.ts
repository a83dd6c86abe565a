import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * The rooms of runner/ and their order: a room may import only from rooms
 * below it (a higher number), never from its own level's neighbours or from
 * above. When this test fails, the thing imported usually belongs lower.
 *
 *   cli -> scenario -> client | server -> auth | data -> measure -> control | native | report -> core
 *
 * auth sits below client and server, which both use it, and above control,
 * whose connection it speaks over.
 */
const ROOM_LEVEL: Record<string, number> = {
  cli: 0,
  scenario: 1,
  client: 2,
  server: 2,
  data: 3,
  measure: 4,
  control: 5,
  native: 5,
  report: 5,
  auth: 3,
  core: 6,
};

const runnerDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'runner');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'src' ? [] : sourceFiles(full);
    return /\.(ts|mjs)$/.test(entry.name) ? [full] : [];
  });
}

function roomOf(file: string): string {
  return path.relative(runnerDir, file).split(path.sep)[0];
}

/** Every relative import and dynamic import in one source file. */
function importsOf(source: string): string[] {
  const specifiers: string[] = [];
  for (const match of source.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) specifiers.push(match[1]);
  return specifiers;
}

test('every folder of runner/ is a room with a level', () => {
  const rooms = readdirSync(runnerDir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
  assert.deepEqual(
    rooms.filter((room) => !(room in ROOM_LEVEL)),
    [],
    'a new room needs a level in ROOM_LEVEL',
  );
});

test('imports in runner/ only point down', () => {
  const upward: string[] = [];
  for (const file of sourceFiles(runnerDir)) {
    const from = roomOf(file);
    for (const specifier of importsOf(readFileSync(file, 'utf8'))) {
      const target = path.resolve(path.dirname(file), specifier);
      if (!target.startsWith(runnerDir + path.sep)) {
        upward.push(`${path.relative(runnerDir, file)} imports ${specifier}, outside runner/`);
        continue;
      }
      const to = roomOf(target);
      if (to !== from && !(ROOM_LEVEL[to] > ROOM_LEVEL[from])) {
        upward.push(`${path.relative(runnerDir, file)} (${from}) imports ${specifier} (${to})`);
      }
    }
  }
  assert.deepEqual(upward, []);
});
