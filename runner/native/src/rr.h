/*
 * What the RR loops (tcp-rr.c, udp-rr.c) share: which call failed, the
 * sequence numbers of UDP_RR, and blocking receives within one call.
 *
 * Per transaction the loops make the same two system calls as sockperf's
 * ping-pong on each side: a send and a blocking receive. The data sockets
 * are blocking (sockets.c opens them so; every send is still MSG_DONTWAIT),
 * with SO_RCVTIMEO bounding each wait. A poll before each receive would be
 * a third system call: on
 * a 2-vCPU VM with page-table isolation that cost about a quarter of the
 * round trips on loopback. The kernel keeps SO_RCVTIMEO in ticks (1/HZ), so
 * a wait with nothing to read may end up to a tick after the slice; where a
 * deadline must be precise (a UDP retransmission timeout just after a loss)
 * the loops poll instead.
 *
 * When a call returns an error status, out[OP] says which call failed, so
 * that JavaScript can word it as Node would (RR_OP_WRITE: 'write' or 'send',
 * RR_OP_READ: 'read' or 'recvmsg', RR_OP_POLL: 'poll').
 */
#ifndef BENCH_RR_H
#define BENCH_RR_H

#include "bench-io.h"

#include <sys/types.h>

#define RR_OP_WRITE 1
#define RR_OP_READ 2
#define RR_OP_POLL 3

/* A handshake datagram's length (runner/data/udp-datagram.ts). */
#define HANDSHAKE_BYTES 21

/* UDP_RR datagrams: the sequence number in the first `width` bytes (1-4), handshakes apart. Inline: called per datagram. */
static inline int is_handshake(const uint8_t *b, ssize_t len) {
  return len == HANDSHAKE_BYTES && b[0] == 0xff && b[1] == 0xff && b[2] == 0xff && b[3] == 0xff;
}

static inline uint32_t read_seq(const uint8_t *b, int width) {
  uint32_t v = 0;
  for (int i = 0; i < width; i++) v = (v << 8) | b[i];
  return v;
}

static inline void write_seq(uint8_t *b, uint32_t seq, int width) {
  for (int i = width - 1; i >= 0; i--) {
    b[i] = (uint8_t)seq;
    seq >>= 8;
  }
}

static inline uint32_t seq_mask(int width) {
  return width >= 4 ? 0xffffffffu : ((1u << (8 * width)) - 1);
}

typedef struct {
  int fd;
  /* 1 when receives may block (the descriptor is in blocking mode); 0: waits poll instead. */
  int can_block;
  /* SO_RCVTIMEO as last set on the socket, ns (0: not known). */
  int64_t timeo_ns;
  /* Two state slots that keep both across calls: [0] 0 not known, 1 blocking, 2 not; [1] timeo_ns. */
  double *cache;
} blocking_t;

/** Checks the cache slots a caller carried over (throws a RangeError naming fn when they are not ours); 1 when good. */
int blocking_check(napi_env env, const char *fn, const double *state, int first_slot);
/** Reads the socket's mode (once per role, kept in `cache`, two state slots owned by the caller). */
void blocking_begin(blocking_t *b, int fd, double *cache);
/** Keeps the receive timeout in the cache for the next call. */
void blocking_end(blocking_t *b);
/** Bounds the next blocking receive to about `ns` (whole ticks, at least one). 0, or -errno. */
int blocking_timeout(blocking_t *b, int64_t ns);

#endif
