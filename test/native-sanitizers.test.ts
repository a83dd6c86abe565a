import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { nativeSkip } from './helpers/socket-pairs.js';

/**
 * The native data path built once with AddressSanitizer and
 * UndefinedBehaviorSanitizer, every loop and socket call run over loopback
 * (helpers/native-exercise.ts) in a child process that preloads the
 * compiler's libasan: an out-of-bounds access, a use after free or undefined
 * behaviour (a NaN cast to an integer, an overflow) aborts it with a report.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const compiler = process.env.CC || 'cc';
const libasan = nativeSkip ? '' : (spawnSync(compiler, ['-print-file-name=libasan.so'], { encoding: 'utf8' }).stdout?.trim() ?? '');
const skip =
  nativeSkip ||
  (path.isAbsolute(libasan) && existsSync(libasan)
    ? false
    : `the compiler has no libasan.so ('${libasan}'): install its sanitizer runtimes`);

test('the native loops run clean under AddressSanitizer and UndefinedBehaviorSanitizer', { skip }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-asan-'));
  try {
    const addon = path.join(dir, 'bench-io-sanitized.node');
    const build = spawnSync(process.execPath, [path.join(root, 'runner/native/build-native.mjs'), `--sanitize=${addon}`], {
      encoding: 'utf8',
    });
    assert.equal(build.status, 0, `sanitized build failed: ${build.stderr}`);
    const driver = fileURLToPath(new URL('./helpers/native-exercise.js', import.meta.url));
    // Node itself leaks by design at exit; the check is for memory errors and undefined behaviour.
    const env = {
      ...process.env,
      LD_PRELOAD: libasan,
      ASAN_OPTIONS: 'detect_leaks=0:abort_on_error=0:exitcode=86',
      UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1',
    };
    const child = spawn(process.execPath, [driver, addon], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.doesNotMatch(stderr, /AddressSanitizer|runtime error|UndefinedBehaviorSanitizer/, stderr);
    assert.equal(code, 0, `the exercise failed (exit ${code}): ${stderr}`);
    const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, number>;
    assert.equal(report.refused, 9, 'every bad argument refused');
    assert.equal(report.stateRefused, 5, 'every bad state slot refused');
    assert.ok(
      report.tcpStreamBytes > 5_000_000 &&
        report.tcpRrTransactions >= 50 &&
        report.udpStreamPackets > 2_000 &&
        report.udpRrTransactions >= 50 &&
        report.tcpCrrTransactions >= 20,
      stdout,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
