/* The helpers shared by the RR loops: see rr.h. */
#include "rr.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/time.h>

/* The kernel's tick, as SO_RCVTIMEO rounds to it: found once, by setting 1 us and reading it back (worker threads may race to the same value). */
static int64_t tick_ns;

/* The longest receive timeout the loops set: two slices of the longest, in ns. */
#define MAX_TIMEO_NS (2 * (int64_t)(BENCH_MAX_SLICE_MS * 1e6) + 1000000000LL)

int blocking_check(napi_env env, const char *fn, const double *state, int first_slot) {
  return bench_check_slot(env, fn, state, first_slot, "socket mode", 0, 2, 1) &&
         bench_check_slot(env, fn, state, first_slot + 1, "receive timeout ns", 0, (double)MAX_TIMEO_NS, 1);
}

void blocking_begin(blocking_t *b, int fd, double *cache) {
  b->fd = fd;
  b->cache = cache;
  b->timeo_ns = (int64_t)cache[1];
  /* The data sockets are opened blocking and stay so (sockets.c): their mode is read once, as a guard. */
  if (cache[0] == 0) {
    int flags = fcntl(fd, F_GETFL);
    cache[0] = flags >= 0 && !(flags & O_NONBLOCK) ? 1 : 2;
  }
  b->can_block = cache[0] == 1;
  if (b->can_block && __atomic_load_n(&tick_ns, __ATOMIC_RELAXED) == 0) {
    struct timeval tv = {.tv_sec = 0, .tv_usec = 1};
    socklen_t len = sizeof tv;
    int64_t t = 1000;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0 && getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, &len) == 0) {
      t = (int64_t)tv.tv_sec * 1000000000LL + (int64_t)tv.tv_usec * 1000;
    }
    __atomic_store_n(&tick_ns, t > 0 ? t : 1000, __ATOMIC_RELAXED);
    b->timeo_ns = 0;
  }
}

void blocking_end(blocking_t *b) {
  b->cache[1] = (double)b->timeo_ns;
}

/*
 * Bounds the next blocking receive to about `ns` (whole ticks, at least one:
 * it may end early, at a tick, or up to a tick late). 0, or -errno.
 */
int blocking_timeout(blocking_t *b, int64_t ns) {
  int64_t tick = __atomic_load_n(&tick_ns, __ATOMIC_RELAXED);
  if (tick <= 0) tick = 1000;
  int64_t ticks = (ns + tick - 1) / tick;
  if (ticks < 1) ticks = 1;
  int64_t v = ticks * tick;
  if (v == b->timeo_ns) return 0;
  struct timeval tv = {.tv_sec = v / 1000000000LL, .tv_usec = (v % 1000000000LL) / 1000};
  if (tv.tv_sec == 0 && tv.tv_usec == 0) tv.tv_usec = 1;
  if (setsockopt(b->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0) return -errno;
  b->timeo_ns = v;
  return 0;
}
