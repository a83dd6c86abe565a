/* The helpers shared by the RR loops: see rr.h. */
#include "rr.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/time.h>

/* The kernel's tick, as SO_RCVTIMEO rounds to it: found once, by setting 1 us and reading it back (worker threads may race to the same value). */
static int64_t tick_ns;

void blocking_begin(blocking_t *b, int fd, double *cache) {
  b->fd = fd;
  b->cache = cache;
  b->timeo_ns = (int64_t)cache[1];
  b->saved_flags = -1;
  /* Node never changes a socket's file status flags after opening it: read them once. */
  int flags = cache[0] > 0 ? (int)cache[0] - 1 : fcntl(fd, F_GETFL);
  if (flags < 0) return;
  cache[0] = flags + 1;
  if ((flags & O_NONBLOCK) && fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) return;
  b->saved_flags = flags;
  if (__atomic_load_n(&tick_ns, __ATOMIC_RELAXED) == 0) {
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

/* Non-blocking again, as Node expects its socket. */
void blocking_end(blocking_t *b) {
  if (b->saved_flags >= 0 && (b->saved_flags & O_NONBLOCK)) fcntl(b->fd, F_SETFL, b->saved_flags);
  b->cache[1] = (double)b->timeo_ns;
}

/*
 * Bounds the next blocking receive to about `ns` (whole ticks, at least one:
 * it may end early, at a tick, or up to a tick late). 0, or -errno.
 */
int blocking_timeout(blocking_t *b, int64_t ns) {
  int64_t tick = __atomic_load_n(&tick_ns, __ATOMIC_RELAXED);
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

