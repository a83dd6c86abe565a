/**
 * Timers for waits of any length. Node's setTimeout holds at most 2^31 - 1 ms
 * (about 596 hours); a longer delay fires after 1 ms with a
 * TimeoutOverflowWarning, so `pause: 700h` would not pause at all. These split
 * a long wait into chunks the runtime can hold and count down the rest.
 */

/** The longest delay one setTimeout can hold, in milliseconds. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface LongTimer {
  clear(): void;
}

/** Calls `fn` once after `ms` milliseconds, however long that is (Infinity: never); `unref` lets the process exit meanwhile. */
export function setLongTimeout(fn: () => void, ms: number, options: { unref?: boolean } = {}): LongTimer {
  if (Number.isNaN(ms)) throw new RangeError('setLongTimeout: the delay is not a number');
  // Counted down chunk by chunk: a timer fires no earlier than asked, so the total is at least ms.
  let left = Math.max(0, ms);
  let timer: NodeJS.Timeout | undefined;
  let cleared = false;
  const arm = (): void => {
    const chunk = Math.min(left, MAX_TIMER_MS);
    timer = setTimeout(() => {
      if (cleared) return;
      left -= chunk;
      if (left <= 0) fn();
      else arm();
    }, chunk);
    if (options.unref) timer.unref();
  };
  arm();
  return {
    clear(): void {
      cleared = true;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}

/** Resolves after `ms` milliseconds, however long; rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, options: { signal?: AbortSignal } = {}): Promise<void> {
  const { signal } = options;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = (): void => {
      timer.clear();
      reject(abortReason(signal as AbortSignal));
    };
    const timer = setLongTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}
