/*
 * RRUL's probe flow: a UDP datagram on a fixed schedule, echoed by the
 * server. The client never waits for an echo before the next probe: probe k
 * leaves at t0 + k * interval whatever became of the probes before it, so a
 * slow or lost echo never moves the schedule (no coordinated omission). A
 * call that starts late (its thread was held up) sends every probe already
 * due at once, each stamped with its real send time, and records how late
 * it left. Round trips end at the kernel's receive timestamp
 * (SO_TIMESTAMPNS), not when this thread got round to reading the echo: a
 * busy core delays the read, never the round trip.
 *
 * Datagram (runner/data/probe-datagram.ts): [0..3] sequence, [4..7] zero,
 * [8..15] send time, ns after t0 on the monotonic clock (int64 big-endian).
 */
#define _GNU_SOURCE
#include "bench-io.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#define PROBE_BYTES 16
#define HANDSHAKE_BYTES 21
#define ECHO_BATCH 32

enum { PS_NEXT, PS_T0, PS_STAMPS, PS_SLOTS };
enum { PO_SENT, PO_ECHOED, PO_STRAY, PO_OP, PO_SLOTS };
#define PROBE_OP_WRITE 1
#define PROBE_OP_READ 2
#define PROBE_OP_POLL 3
/* A run's probes are bounded in params.ts; this is the C loop's own guard. */
#define MAX_PROBES 16777216.0

static void put_u32(uint8_t *b, uint32_t v) {
  b[0] = (uint8_t)(v >> 24), b[1] = (uint8_t)(v >> 16), b[2] = (uint8_t)(v >> 8), b[3] = (uint8_t)v;
}
static uint32_t get_u32(const uint8_t *b) {
  return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}
static void put_i64(uint8_t *b, int64_t v) {
  put_u32(b, (uint32_t)((uint64_t)v >> 32));
  put_u32(b + 4, (uint32_t)v);
}
static int64_t get_i64(const uint8_t *b) {
  return (int64_t)(((uint64_t)get_u32(b) << 32) | get_u32(b + 4));
}

/*
 * probeClient(fd, intervalMs, total, mayStart, sliceMs, state, rtt, late, echoed, out) -> status
 *
 * Until sliceMs has passed: sends every probe whose time has come (only with
 * mayStart 1, and only the first `total`), and reads echoes meanwhile. The
 * schedule's t0 is the monotonic time of the first call (state[1], 0 before
 * it). For probe k: rtt[k] = its round trip, ms (left as it was until its
 * echo comes: the caller fills rtt with NaN first); late[k] = how late it
 * left against t0 + k * intervalMs, ms. An echo that is not of a probe sent,
 * or not its first, or carries a time the probe cannot have left at, is a
 * stray. echoed: the sequence numbers echoed in this call, out[1] of them
 * (the call returns early when it is full).
 * state (>= 3, zeroed before the first call): [0] probes sent, [1] t0 ns,
 * [2] 1 once kernel timestamps are on, 2 where the kernel refused them.
 * out (>= 4): [0] probes sent in this call, [1] echoes, [2] strays, [3] the
 * failing call when the status is an errno.
 */
static napi_value probe_client(napi_env env, napi_callback_info info) {
  napi_value argv[10];
  static const char fn[] = "probeClient";
  int fd;
  double interval_ms, *state, *rtt, *late, *echoed, *out;
  int64_t total, may_start, slice;
  size_t state_len, rtt_len, late_len, echoed_len, out_len;
  if (!bench_args(env, info, 10, argv, fn) || !bench_arg_fd(env, argv[0], fn, &fd) ||
      !bench_arg_double(env, argv[1], fn, "intervalMs", &interval_ms) || !bench_arg_int(env, argv[2], fn, "total", 0, (int64_t)MAX_PROBES, &total) ||
      !bench_arg_int(env, argv[3], fn, "mayStart", 0, 1, &may_start) || !bench_arg_slice(env, argv[4], fn, "sliceMs", &slice) ||
      !bench_arg_f64(env, argv[5], fn, "state", &state, &state_len) || !bench_arg_f64(env, argv[6], fn, "rtt", &rtt, &rtt_len) ||
      !bench_arg_f64(env, argv[7], fn, "late", &late, &late_len) || !bench_arg_f64(env, argv[8], fn, "echoed", &echoed, &echoed_len) ||
      !bench_arg_f64(env, argv[9], fn, "out", &out, &out_len)) {
    return NULL;
  }
  if (interval_ms < 0.001 || interval_ms > 60000) {
    bench_range_error(env, fn, "intervalMs must be from 0.001 to 60000");
    return NULL;
  }
  if (state_len < PS_SLOTS || rtt_len < (size_t)total || late_len < (size_t)total || echoed_len == 0 || out_len < PO_SLOTS) {
    bench_range_error(env, fn, "state must hold 3 numbers, rtt and late `total`, echoed 1, out 4");
    return NULL;
  }
  if (!bench_check_slot(env, fn, state, PS_NEXT, "probes sent", 0, (double)total, 1) ||
      !bench_check_slot(env, fn, state, PS_T0, "t0 ns", 0, 9e18, 1) || !bench_check_slot(env, fn, state, PS_STAMPS, "timestamps", 0, 2, 1)) {
    return NULL;
  }
  if (state[PS_STAMPS] == 0) {
    int on = 1;
    state[PS_STAMPS] = setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) == 0 ? 1 : 2;
  }
  int64_t start = bench_now_ns();
  if (state[PS_T0] == 0) state[PS_T0] = (double)start;
  int64_t t0 = (int64_t)state[PS_T0];
  int64_t interval_ns = (int64_t)llround(interval_ms * 1e6);
  int64_t next = (int64_t)state[PS_NEXT];
  int64_t deadline = start + slice;
  double sent = 0, n_echoed = 0, stray = 0;
  int status = BENCH_OK, op = 0;
  uint8_t probe[PROBE_BYTES] = {0};
  uint8_t in[64];
  union {
    struct cmsghdr align;
    char bytes[CMSG_SPACE(sizeof(struct timespec))];
  } control;

  for (;;) {
    int64_t now = bench_now_ns();
    while (may_start && next < total && now >= t0 + next * interval_ns) {
      put_u32(probe, (uint32_t)next);
      put_i64(probe + 8, now - t0);
      ssize_t n = send(fd, probe, sizeof probe, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      /* A full queue drops this probe as the path would: it is sent, and lost; the schedule goes on. */
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS) {
        status = -errno, op = PROBE_OP_WRITE;
        break;
      }
      late[next] = (double)(now - (t0 + next * interval_ns)) / 1e6;
      next++;
      sent++;
      now = bench_now_ns();
    }
    if (status != BENCH_OK || (size_t)n_echoed >= echoed_len || now >= deadline) break;
    int64_t until = deadline;
    if (may_start && next < total && t0 + next * interval_ns < until) until = t0 + next * interval_ns;
    int w = bench_wait(fd, POLLIN, until);
    if (w == 0) continue;
    if (w < 0) {
      status = w, op = PROBE_OP_POLL;
      break;
    }
    /* Every echo waiting, each with its kernel receive time. */
    while ((size_t)n_echoed < echoed_len) {
      struct iovec iov = {.iov_base = in, .iov_len = sizeof in};
      struct msghdr h = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.bytes, .msg_controllen = sizeof control.bytes};
      ssize_t n = recvmsg(fd, &h, MSG_DONTWAIT | MSG_TRUNC);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) status = -errno, op = PROBE_OP_READ;
        break;
      }
      int64_t at = bench_now_ns();
      for (struct cmsghdr *c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
          /* Kernel timestamps are CLOCK_REALTIME: moved onto the monotonic clock by the clocks' difference now. */
          struct timespec ts, real;
          memcpy(&ts, CMSG_DATA(c), sizeof ts);
          clock_gettime(CLOCK_REALTIME, &real);
          int64_t kernel = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
          int64_t stamped = at - (((int64_t)real.tv_sec * 1000000000LL + real.tv_nsec) - kernel);
          /* A realtime clock stepped between the two readings would put the arrival in the future or before t0. */
          if (stamped <= at && stamped >= t0) at = stamped;
          break;
        }
      }
      if (n == HANDSHAKE_BYTES) continue;
      if (n != PROBE_BYTES) {
        stray++;
        continue;
      }
      int64_t seq = get_u32(in);
      int64_t sent_at = get_i64(in + 8);
      /* Only an echo of a probe sent, no earlier than its slot and no later than its arrival, and the first echo of it. */
      if (seq >= next || !isnan(rtt[seq]) || sent_at < seq * interval_ns || t0 + sent_at > at) {
        stray++;
        continue;
      }
      rtt[seq] = (double)(at - (t0 + sent_at)) / 1e6;
      echoed[(size_t)n_echoed++] = (double)seq;
    }
    if (status != BENCH_OK) break;
  }
  state[PS_NEXT] = (double)next;
  out[PO_SENT] = sent;
  out[PO_ECHOED] = n_echoed;
  out[PO_STRAY] = stray;
  out[PO_OP] = op;
  return bench_int(env, status);
}

/*
 * probeEcho(fd, hello, ack, sliceMs, out) -> status
 *
 * Sends every probe datagram back as it came (recvmmsg/sendmmsg batches),
 * until sliceMs has passed. A datagram equal to `hello` (the client's
 * handshake, retransmitted after our ack was lost) is answered with `ack`;
 * anything else is dropped.
 * out (>= 3): [0] probes echoed, [1] hellos answered, [2] the failing call
 * when the status is an errno.
 */
static napi_value probe_echo(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  static const char fn[] = "probeEcho";
  int fd;
  int64_t slice;
  uint8_t *hello, *ack;
  size_t hello_len, ack_len, out_len;
  double *out;
  if (!bench_args(env, info, 5, argv, fn) || !bench_arg_fd(env, argv[0], fn, &fd) || !bench_arg_buffer(env, argv[1], fn, "hello", &hello, &hello_len) ||
      !bench_arg_buffer(env, argv[2], fn, "ack", &ack, &ack_len) || !bench_arg_slice(env, argv[3], fn, "sliceMs", &slice) ||
      !bench_arg_f64(env, argv[4], fn, "out", &out, &out_len)) {
    return NULL;
  }
  if (hello_len != HANDSHAKE_BYTES || ack_len == 0 || out_len < 3) {
    bench_range_error(env, fn, "hello must be 21 bytes, ack not empty, out must hold 3 numbers");
    return NULL;
  }
  int64_t deadline = bench_now_ns() + slice;
  double echoed = 0, hellos = 0;
  int status = BENCH_OK, op = 0;
  uint8_t bufs[ECHO_BATCH][64];
  struct iovec in_iov[ECHO_BATCH], out_iov[ECHO_BATCH];
  struct mmsghdr in[ECHO_BATCH], reply[ECHO_BATCH];
  memset(in, 0, sizeof in);
  memset(reply, 0, sizeof reply);
  for (int i = 0; i < ECHO_BATCH; i++) {
    in_iov[i].iov_base = bufs[i];
    in_iov[i].iov_len = sizeof bufs[i];
    in[i].msg_hdr.msg_iov = &in_iov[i];
    in[i].msg_hdr.msg_iovlen = 1;
    reply[i].msg_hdr.msg_iov = &out_iov[i];
    reply[i].msg_hdr.msg_iovlen = 1;
  }
  for (;;) {
    int n = recvmmsg(fd, in, ECHO_BATCH, MSG_DONTWAIT | MSG_TRUNC, NULL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        status = -errno, op = PROBE_OP_READ;
        break;
      }
      int w = bench_wait(fd, POLLIN, deadline);
      if (w > 0) continue;
      if (w < 0) status = w, op = PROBE_OP_POLL;
      break;
    }
    int m = 0;
    for (int i = 0; i < n; i++) {
      unsigned len = in[i].msg_len;
      if (len == HANDSHAKE_BYTES && memcmp(bufs[i], hello, HANDSHAKE_BYTES) == 0) {
        out_iov[m].iov_base = ack;
        out_iov[m].iov_len = ack_len;
        m++;
      } else if (len == PROBE_BYTES) {
        out_iov[m].iov_base = bufs[i];
        out_iov[m].iov_len = PROBE_BYTES;
        m++;
      }
    }
    int done = 0;
    while (done < m) {
      int s = sendmmsg(fd, reply + done, (unsigned)(m - done), MSG_DONTWAIT | MSG_NOSIGNAL);
      if (s > 0) {
        done += s;
        continue;
      }
      if (s < 0 && errno == EINTR) continue;
      /* A full queue drops the rest of the batch, as the path would: those probes are lost. */
      if (s < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) break;
      status = s < 0 ? -errno : -EIO;
      op = PROBE_OP_WRITE;
      break;
    }
    for (int i = 0; i < done; i++) {
      if (out_iov[i].iov_len == PROBE_BYTES) echoed++;
      else hellos++;
    }
    if (status != BENCH_OK || bench_now_ns() >= deadline) break;
  }
  out[0] = echoed;
  out[1] = hellos;
  out[2] = op;
  return bench_int(env, status);
}

int register_probe(napi_env env, napi_value exports) {
  return bench_export(env, exports, "probeClient", probe_client) && bench_export(env, exports, "probeEcho", probe_echo);
}
