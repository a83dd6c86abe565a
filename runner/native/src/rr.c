/*
 * TCP_RR and UDP_RR: one request out, its response back, the next request.
 * The client times each round trip here, with the monotonic clock taken just
 * before the request is sent and just after its response is complete, and
 * writes it into `lat` (milliseconds). Whatever must outlive one call (the
 * outstanding request, its send time, the response bytes so far, the UDP
 * sequence and retransmission timeout) lives in a Float64Array `state` owned
 * by the caller, so a transaction may span two calls.
 *
 * Per transaction the loops make the same two system calls as sockperf's
 * ping-pong on each side: a send and a blocking receive. Node's sockets are
 * non-blocking, so for the length of one call the descriptor is made
 * blocking (O_NONBLOCK cleared, every send still MSG_DONTWAIT) with
 * SO_RCVTIMEO bounding each wait, and made non-blocking again before the
 * call returns. A poll before each receive would be a third system call: on
 * a 2-vCPU VM with page-table isolation that cost about a quarter of the
 * round trips on loopback. The kernel keeps SO_RCVTIMEO in ticks (1/HZ), so
 * a wait with nothing to read may end up to a tick after the slice; where a
 * deadline must be precise (a UDP retransmission timeout just after a loss)
 * the loops poll instead. Messages larger than a segment are read with
 * MSG_WAITALL: one call, however many segments they arrive in.
 *
 * When a call returns an error status, out[OP] says which call failed, so
 * that JavaScript can word it as Node would (RR_OP_WRITE: 'write' or 'send',
 * RR_OP_READ: 'read' or 'recvmsg', RR_OP_POLL: 'poll').
 */
#define _GNU_SOURCE
#include "bench-io.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#define RR_OP_WRITE 1
#define RR_OP_READ 2
#define RR_OP_POLL 3

/* UDP: the first bytes of a datagram are all the loops look at (sequence, handshake). */
#define UDP_HEAD_BYTES 32
#define HANDSHAKE_BYTES 21
#define UDP_BATCH 32
#define MIN_RTO_MS 1.0

static int is_handshake(const uint8_t *b, ssize_t len) {
  return len == HANDSHAKE_BYTES && b[0] == 0xff && b[1] == 0xff && b[2] == 0xff && b[3] == 0xff;
}

static uint32_t read_seq(const uint8_t *b, int width) {
  uint32_t v = 0;
  for (int i = 0; i < width; i++) v = (v << 8) | b[i];
  return v;
}

static void write_seq(uint8_t *b, uint32_t seq, int width) {
  for (int i = width - 1; i >= 0; i--) {
    b[i] = (uint8_t)seq;
    seq >>= 8;
  }
}

static uint32_t seq_mask(int width) {
  return width >= 4 ? 0xffffffffu : ((1u << (8 * width)) - 1);
}

/*
 * Waits for events with a nanosecond deadline (poll's milliseconds would
 * turn a 1 ms retransmission timeout into 2). 1 ready, 0 timed out, -errno.
 */
static int wait_ns(int fd, short events, int64_t deadline_ns) {
  for (;;) {
    int64_t left = deadline_ns - bench_now_ns();
    if (left <= 0) return 0;
    struct pollfd p = {.fd = fd, .events = events};
    struct timespec ts = {.tv_sec = left / 1000000000LL, .tv_nsec = left % 1000000000LL};
    int r = ppoll(&p, 1, &ts, NULL);
    if (r > 0) return 1;
    if (r == 0) return 0;
    if (errno != EINTR) return -errno;
  }
}

static int64_t slice_ns(double slice_ms) {
  return (int64_t)(slice_ms * 1e6);
}

/* ------------------------------------------------ blocking receives in a call */

typedef struct {
  int fd;
  /* The descriptor's flags before the call; -1 when it could not be made blocking (waits then poll). */
  int saved_flags;
  /* SO_RCVTIMEO as last set on the socket, ns (0: not known). */
  int64_t timeo_ns;
  /* Two state slots that keep both across calls: [0] flags + 1 (0: not known), [1] timeo_ns. */
  double *cache;
} blocking_t;

/* The kernel's tick, as SO_RCVTIMEO rounds to it: found once, by setting 1 us and reading it back (worker threads may race to the same value). */
static int64_t tick_ns;

static void blocking_begin(blocking_t *b, int fd, double *cache) {
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
static void blocking_end(blocking_t *b) {
  if (b->saved_flags >= 0 && (b->saved_flags & O_NONBLOCK)) fcntl(b->fd, F_SETFL, b->saved_flags);
  b->cache[1] = (double)b->timeo_ns;
}

/*
 * Bounds the next blocking receive to about `ns` (whole ticks, at least one:
 * it may end early, at a tick, or up to a tick late). 0, or -errno.
 */
static int blocking_timeout(blocking_t *b, int64_t ns) {
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

/* ---------------------------------------------------------------- TCP client */

enum { TC_PHASE, TC_SENT, TC_GOT, TC_SENT_AT, TC_CACHE, TC_SLOTS = TC_CACHE + 2 };
enum { PHASE_IDLE = 0, PHASE_SENDING = 1, PHASE_AWAITING = 2 };

/*
 * tcpRrClient(fd, request, responseSize, buffer, mayStart, sliceMs, state, lat, out) -> status
 *
 * Sends the request (finishing partial writes), reads until responseSize
 * bytes came back, records the round trip, and starts the next one: new
 * requests start until sliceMs has passed (only when mayStart is true), and
 * an outstanding request is waited for up to one more slice, so that few
 * round trips include the time JavaScript spends between two calls. Returns
 * early when `lat` is full, or when mayStart is false and nothing is
 * outstanding (the last request is settled).
 *
 * state (>= 6, zeroed before the first call): [0] 0 idle, 1 sending the
 * request, 2 awaiting the response; [1] request bytes written; [2] response
 * bytes read; [3] monotonic ns when the outstanding request was sent; [4..5]
 * kept for the next call.
 * lat: round-trip times in ms, out[0] of them.
 * out (>= 4): [0] transactions completed, [1] requests started, [2] bytes
 * written and read, [3] the failing call when the status is an errno.
 * buffer: responses are read into it (overwritten), up to its length a read.
 */
static napi_value tcp_rr_client(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  int64_t fd, resp_size, may_start;
  double slice_ms, *state, *lat, *out;
  uint8_t *req, *buf;
  size_t req_len, buf_len, state_len, lat_len, out_len;
  if (!bench_args(env, info, 9, argv, "tcpRrClient") || !bench_arg_int(env, argv[0], "fd", &fd) ||
      !bench_arg_buffer(env, argv[1], "request", &req, &req_len) || !bench_arg_int(env, argv[2], "responseSize", &resp_size) ||
      !bench_arg_buffer(env, argv[3], "buffer", &buf, &buf_len) || !bench_arg_int(env, argv[4], "mayStart", &may_start) ||
      !bench_arg_double(env, argv[5], "sliceMs", &slice_ms) || !bench_arg_f64(env, argv[6], "state", &state, &state_len) ||
      !bench_arg_f64(env, argv[7], "lat", &lat, &lat_len) || !bench_arg_f64(env, argv[8], "out", &out, &out_len)) {
    return NULL;
  }
  if (req_len == 0 || resp_size < 1 || buf_len == 0 || state_len < TC_SLOTS || lat_len == 0 || out_len < 4) {
    napi_throw_range_error(env, NULL, "tcpRrClient: empty request or buffer, responseSize < 1, state shorter than 6, empty lat, or out shorter than 4");
    return NULL;
  }
  int phase = (int)state[TC_PHASE];
  size_t sent = (size_t)state[TC_SENT];
  size_t got = (size_t)state[TC_GOT];
  int64_t sent_at = (int64_t)state[TC_SENT_AT];
  int64_t deadline = bench_now_ns() + slice_ns(slice_ms);
  /* An outstanding request is awaited one slice beyond the deadline. */
  int64_t hard_deadline = deadline + slice_ns(slice_ms);
  size_t n_lat = 0;
  double requests = 0, moved = 0;
  int status = BENCH_OK, op = 0;
  blocking_t b;
  blocking_begin(&b, (int)fd, state + TC_CACHE);
  int blocking = b.saved_flags >= 0;
  /* Without blocking receives: right after a request goes out its response cannot be there yet, so poll first. */
  int poll_first = 0;

  for (;;) {
    if (phase == PHASE_IDLE) {
      if (!may_start || n_lat >= lat_len) break;
      int64_t now = bench_now_ns();
      if (now >= deadline) break;
      phase = PHASE_SENDING;
      sent = 0;
      sent_at = now;
      requests++;
    }
    if (phase == PHASE_SENDING) {
      ssize_t n = send((int)fd, req + sent, req_len - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n > 0) {
        moved += (double)n;
        sent += (size_t)n;
        if (sent == req_len) {
          phase = PHASE_AWAITING;
          got = 0;
          poll_first = 1;
        }
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        int r = bench_wait((int)fd, POLLOUT, hard_deadline);
        if (r > 0) continue;
        if (r < 0) status = r, op = RR_OP_POLL;
        break;
      }
      status = n < 0 ? -errno : -EPIPE;
      op = RR_OP_WRITE;
      break;
    }
    /* PHASE_AWAITING */
    size_t want = (size_t)resp_size - got;
    if (want > buf_len) want = buf_len;
    ssize_t n;
    if (blocking) {
      int64_t left = hard_deadline - bench_now_ns();
      if (left <= 0) break;
      int r = blocking_timeout(&b, left);
      if (r < 0) {
        status = r, op = RR_OP_READ;
        break;
      }
      /* MSG_WAITALL: one call collects the whole response (up to the buffer), however many segments it takes. */
      n = recv((int)fd, buf, want, MSG_WAITALL);
    } else {
      if (poll_first) {
        int r = wait_ns((int)fd, POLLIN, hard_deadline);
        if (r == 0) break;
        if (r < 0) {
          status = r, op = RR_OP_POLL;
          break;
        }
        poll_first = 0;
      }
      n = recv((int)fd, buf, want, MSG_DONTWAIT);
    }
    if (n > 0) {
      moved += (double)n;
      got += (size_t)n;
      if (got == (size_t)resp_size) {
        int64_t now = bench_now_ns();
        lat[n_lat++] = (double)(now - sent_at) / 1e6;
        phase = PHASE_IDLE;
        got = 0;
      }
      continue;
    }
    if (n == 0) {
      status = BENCH_EOF;
      break;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      poll_first = 1;
      continue;
    }
    status = -errno;
    op = RR_OP_READ;
    break;
  }
  blocking_end(&b);
  state[TC_PHASE] = phase;
  state[TC_SENT] = (double)sent;
  state[TC_GOT] = (double)got;
  state[TC_SENT_AT] = (double)sent_at;
  out[0] = (double)n_lat;
  out[1] = requests;
  out[2] = moved;
  out[3] = op;
  return bench_int(env, status);
}

/* ------------------------------------------------------------- TCP responder */

enum { TR_PENDING, TR_OWED, TR_OFFSET, TR_CACHE, TR_SLOTS = TR_CACHE + 2 };

/*
 * tcpRrResponder(fd, response, requestSize, buffer, sliceMs, state, out) -> status
 *
 * Reads requests, however they arrive (split, or several per read), and
 * writes one response per whole request, until sliceMs has passed or the
 * peer ends (BENCH_EOF).
 *
 * state (>= 5, zeroed before the first call, or [0] and [1] set from bytes
 * already read): [0] bytes of the incomplete request, [1] whole requests not
 * yet fully answered, [2] bytes of the current response already written,
 * [3..4] kept for the next call.
 * out (>= 3): [0] whole requests read in this call, [1] bytes read and
 * written, [2] the failing call when the status is an errno.
 */
static napi_value tcp_rr_responder(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  int64_t fd, req_size;
  double slice_ms, *state, *out;
  uint8_t *resp, *buf;
  size_t resp_len, buf_len, state_len, out_len;
  if (!bench_args(env, info, 7, argv, "tcpRrResponder") || !bench_arg_int(env, argv[0], "fd", &fd) ||
      !bench_arg_buffer(env, argv[1], "response", &resp, &resp_len) || !bench_arg_int(env, argv[2], "requestSize", &req_size) ||
      !bench_arg_buffer(env, argv[3], "buffer", &buf, &buf_len) || !bench_arg_double(env, argv[4], "sliceMs", &slice_ms) ||
      !bench_arg_f64(env, argv[5], "state", &state, &state_len) || !bench_arg_f64(env, argv[6], "out", &out, &out_len)) {
    return NULL;
  }
  if (resp_len == 0 || req_size < 1 || buf_len == 0 || state_len < TR_SLOTS || out_len < 3) {
    napi_throw_range_error(env, NULL, "tcpRrResponder: empty response or buffer, requestSize < 1, state shorter than 5, or out shorter than 3");
    return NULL;
  }
  uint64_t pending = (uint64_t)state[TR_PENDING];
  double owed = state[TR_OWED];
  size_t offset = (size_t)state[TR_OFFSET];
  int64_t deadline = bench_now_ns() + slice_ns(slice_ms);
  double requests = 0, moved = 0;
  int status = BENCH_OK, op = 0;
  blocking_t b;
  blocking_begin(&b, (int)fd, state + TR_CACHE);
  int blocking = b.saved_flags >= 0;
  /* try_recv: read before waiting (something may be there); send_blocked: the socket took no more. */
  int try_recv = 1, send_blocked = 0;

  for (;;) {
    if (owed > 0 && !send_blocked) {
      ssize_t n = send((int)fd, resp + offset, resp_len - offset, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n > 0) {
        moved += (double)n;
        offset += (size_t)n;
        if (offset == resp_len) {
          offset = 0;
          owed--;
        }
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        send_blocked = 1;
      } else {
        status = n < 0 ? -errno : -EPIPE;
        op = RR_OP_WRITE;
        break;
      }
    }
    ssize_t n = -1;
    int got_result = 0;
    if (owed == 0 && blocking) {
      /* All answered: wait for the next request in the read itself. */
      int64_t left = deadline - bench_now_ns();
      if (left <= 0) break;
      int r = blocking_timeout(&b, left);
      if (r < 0) {
        status = r, op = RR_OP_READ;
        break;
      }
      /* MSG_WAITALL for the rest of the current request: one call collects it, however many segments it takes. */
      size_t want = (size_t)((uint64_t)req_size - pending);
      if (want > buf_len) want = buf_len;
      n = recv((int)fd, buf, want, MSG_WAITALL);
      got_result = 1;
    } else if (try_recv) {
      n = recv((int)fd, buf, buf_len, MSG_DONTWAIT);
      got_result = 1;
    }
    if (got_result) {
      if (n > 0) {
        moved += (double)n;
        pending += (uint64_t)n;
        uint64_t whole = pending / (uint64_t)req_size;
        pending -= whole * (uint64_t)req_size;
        owed += (double)whole;
        requests += (double)whole;
        /* A read that did not fill the buffer most likely emptied the socket: wait before reading again. */
        try_recv = (size_t)n == buf_len;
        if (try_recv && bench_now_ns() >= deadline) break;
        continue;
      }
      if (n == 0) {
        status = BENCH_EOF;
        break;
      }
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        status = -errno;
        op = RR_OP_READ;
        break;
      }
      try_recv = 0;
      /* A blocking read that timed out: the top of the loop looks at the deadline again. */
      if (owed == 0 && blocking) continue;
    }
    if (owed > 0 && !send_blocked) continue;
    /* Poll: owed responses the socket would not take yet, or no blocking reads. */
    short events = POLLIN | (owed > 0 ? POLLOUT : 0);
    int64_t left = deadline - bench_now_ns();
    if (left <= 0) break;
    struct pollfd p = {.fd = (int)fd, .events = events};
    struct timespec ts = {.tv_sec = left / 1000000000LL, .tv_nsec = left % 1000000000LL};
    int r = ppoll(&p, 1, &ts, NULL);
    if (r == 0) break;
    if (r < 0) {
      if (errno == EINTR) continue;
      status = -errno, op = RR_OP_POLL;
      break;
    }
    if (p.revents & (POLLIN | POLLERR | POLLHUP)) try_recv = 1;
    if (p.revents & (POLLOUT | POLLERR | POLLHUP)) send_blocked = 0;
  }
  blocking_end(&b);
  state[TR_PENDING] = (double)pending;
  state[TR_OWED] = owed;
  state[TR_OFFSET] = (double)offset;
  out[0] = requests;
  out[1] = moved;
  out[2] = op;
  return bench_int(env, status);
}

/* ---------------------------------------------------------------- UDP client */

enum { UC_OUTSTANDING, UC_SEQ, UC_SENT_AT, UC_SRTT, UC_RTTVAR, UC_RTO, UC_MAX_RTO, UC_PRECISE, UC_CACHE, UC_SLOTS = UC_CACHE + 2 };
/* After a timeout, this many requests wait for their replies with precise polls, not tick-bound blocking reads. */
#define PRECISE_AFTER_TIMEOUT 1000

/*
 * udpRrClient(fd, request, width, mayStart, sliceMs, state, lat, out) -> status
 *
 * Writes the sequence number into the request's first `width` bytes, sends
 * it, and waits for the reply carrying that number, or for the
 * retransmission timeout: a request unanswered within it is given up on
 * (a timeout) and the next one goes out. The timeout adapts as TCP's does
 * (RFC 6298: srtt + 4 rttvar, at least 1 ms, at most state[6]). A reply with
 * another number is an earlier request's, late; handshake datagrams are
 * skipped. New requests start until sliceMs has passed (only when mayStart
 * is true), and an outstanding one is awaited up to one more slice. With
 * mayStart false and nothing outstanding the call listens for late replies
 * until sliceMs has passed.
 *
 * state (>= 10; zero but [5] initial timeout ms and [6] largest timeout ms,
 * before the first call): [0] 1 while a request is outstanding, [1] its
 * sequence number, [2] monotonic ns when it was sent, [3] smoothed round trip
 * ms (0: none yet), [4] its variation ms, [5] retransmission timeout ms,
 * [7] requests left to wait for precisely (after a timeout), [8..9] kept for
 * the next call.
 * lat: round-trip times in ms, out[0] of them.
 * out (>= 5): [0] transactions completed, [1] requests sent, [2] timeouts,
 * [3] late replies, [4] the failing call when the status is an errno.
 */
static napi_value udp_rr_client(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  int64_t fd, width64, may_start;
  double slice_ms, *state, *lat, *out;
  uint8_t *req;
  size_t req_len, state_len, lat_len, out_len;
  if (!bench_args(env, info, 8, argv, "udpRrClient") || !bench_arg_int(env, argv[0], "fd", &fd) ||
      !bench_arg_buffer(env, argv[1], "request", &req, &req_len) || !bench_arg_int(env, argv[2], "width", &width64) ||
      !bench_arg_int(env, argv[3], "mayStart", &may_start) || !bench_arg_double(env, argv[4], "sliceMs", &slice_ms) ||
      !bench_arg_f64(env, argv[5], "state", &state, &state_len) || !bench_arg_f64(env, argv[6], "lat", &lat, &lat_len) ||
      !bench_arg_f64(env, argv[7], "out", &out, &out_len)) {
    return NULL;
  }
  if (width64 < 1 || width64 > 4 || req_len < (size_t)width64 || state_len < UC_SLOTS || lat_len == 0 || out_len < 5) {
    napi_throw_range_error(env, NULL, "udpRrClient: width outside 1-4 or longer than the request, state shorter than 10, empty lat, or out shorter than 5");
    return NULL;
  }
  int width = (int)width64;
  uint32_t mask = seq_mask(width);
  int outstanding = state[UC_OUTSTANDING] != 0;
  double seq = state[UC_SEQ];
  int64_t sent_at = (int64_t)state[UC_SENT_AT];
  double srtt = state[UC_SRTT], rttvar = state[UC_RTTVAR], rto = state[UC_RTO], max_rto = state[UC_MAX_RTO];
  double precise_left = state[UC_PRECISE];
  int64_t deadline = bench_now_ns() + slice_ns(slice_ms);
  int64_t hard_deadline = deadline + slice_ns(slice_ms);
  size_t n_lat = 0;
  double requests = 0, timeouts = 0, late = 0;
  int status = BENCH_OK, op = 0;
  uint8_t head[UDP_HEAD_BYTES];
  blocking_t b;
  blocking_begin(&b, (int)fd, state + UC_CACHE);
  int can_block = b.saved_flags >= 0;

  for (;;) {
    int64_t now = bench_now_ns();
    if (!outstanding && may_start) {
      if (n_lat >= lat_len || now >= deadline) break;
      write_seq(req, (uint32_t)((uint64_t)(seq + 1) & mask), width);
      ssize_t n = send((int)fd, req, req_len, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
          int r = bench_wait((int)fd, POLLOUT, deadline);
          if (r > 0) continue;
          if (r < 0) status = r, op = RR_OP_POLL;
          break;
        }
        status = -errno, op = RR_OP_WRITE;
        break;
      }
      seq += 1;
      outstanding = 1;
      sent_at = now;
      requests++;
      if (precise_left > 0) precise_left--;
    }
    /* Wait for a datagram: until the timeout of the outstanding request, or the end of the slice. */
    int64_t until = outstanding ? hard_deadline : deadline;
    int64_t rto_at = sent_at + (int64_t)(rto * 1e6);
    int by_rto = outstanding && rto_at <= until;
    if (by_rto) until = rto_at;
    if (now >= until) {
      if (!by_rto) break;
      outstanding = 0;
      timeouts++;
      precise_left = PRECISE_AFTER_TIMEOUT;
      continue;
    }
    ssize_t n;
    /*
     * A blocking read ends at a tick: at most a tick after the timeout (an
     * early end just loops). Just after a loss, when more may follow, the
     * timeout is waited for precisely, with a poll.
     */
    if (can_block && !(by_rto && precise_left > 0)) {
      int r = blocking_timeout(&b, until - now);
      if (r < 0) {
        status = r, op = RR_OP_READ;
        break;
      }
      /* MSG_TRUNC: the datagram's real length, though only its head is copied. */
      n = recv((int)fd, head, sizeof head, MSG_TRUNC);
    } else {
      int r = wait_ns((int)fd, POLLIN, until);
      if (r == 0) continue;
      if (r < 0) {
        status = r, op = RR_OP_POLL;
        break;
      }
      n = recv((int)fd, head, sizeof head, MSG_DONTWAIT | MSG_TRUNC);
    }
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      status = -errno, op = RR_OP_READ;
      break;
    }
    int64_t at = bench_now_ns();
    if (is_handshake(head, n)) continue;
    if (outstanding && n >= width && read_seq(head, width) == ((uint32_t)(uint64_t)seq & mask)) {
      double rtt = (double)(at - sent_at) / 1e6;
      lat[n_lat++] = rtt;
      outstanding = 0;
      if (srtt == 0) {
        srtt = rtt;
        rttvar = rtt / 2;
      } else {
        double d = srtt - rtt;
        rttvar = 0.75 * rttvar + 0.25 * (d < 0 ? -d : d);
        srtt = 0.875 * srtt + 0.125 * rtt;
      }
      rto = srtt + 4 * rttvar;
      if (rto < MIN_RTO_MS) rto = MIN_RTO_MS;
      if (rto > max_rto) rto = max_rto;
      continue;
    }
    late++;
  }
  blocking_end(&b);
  state[UC_PRECISE] = precise_left;
  state[UC_OUTSTANDING] = outstanding;
  state[UC_SEQ] = seq;
  state[UC_SENT_AT] = (double)sent_at;
  state[UC_SRTT] = srtt;
  state[UC_RTTVAR] = rttvar;
  state[UC_RTO] = rto;
  out[0] = (double)n_lat;
  out[1] = requests;
  out[2] = timeouts;
  out[3] = late;
  out[4] = op;
  return bench_int(env, status);
}

/* ------------------------------------------------------------- UDP responder */

/*
 * udpRrResponder(fd, response, width, hello, ack, sliceMs, state, out) -> status
 *
 * Reads request datagrams in batches (recvmmsg) and answers each with the
 * response, its first `width` bytes the request's (the sequence number), in
 * one batch (sendmmsg), until sliceMs has passed. A datagram equal to
 * `hello` (the client's handshake, retransmitted after our ack was lost) is
 * answered with `ack`; other handshake datagrams, and datagrams shorter than
 * `width`, are skipped.
 * state (>= 2, zeroed before the first call): kept for the next call.
 * out (>= 3): [0] requests answered, [1] hellos answered, [2] the failing
 * call when the status is an errno.
 */
static napi_value udp_rr_responder(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  int64_t fd, width64;
  double slice_ms, *state, *out;
  uint8_t *resp, *hello, *ack;
  size_t resp_len, hello_len, ack_len, state_len, out_len;
  if (!bench_args(env, info, 8, argv, "udpRrResponder") || !bench_arg_int(env, argv[0], "fd", &fd) ||
      !bench_arg_buffer(env, argv[1], "response", &resp, &resp_len) || !bench_arg_int(env, argv[2], "width", &width64) ||
      !bench_arg_buffer(env, argv[3], "hello", &hello, &hello_len) || !bench_arg_buffer(env, argv[4], "ack", &ack, &ack_len) ||
      !bench_arg_double(env, argv[5], "sliceMs", &slice_ms) || !bench_arg_f64(env, argv[6], "state", &state, &state_len) ||
      !bench_arg_f64(env, argv[7], "out", &out, &out_len)) {
    return NULL;
  }
  if (width64 < 1 || width64 > 4 || resp_len < (size_t)width64 || hello_len != HANDSHAKE_BYTES || ack_len == 0 || state_len < 2 || out_len < 3) {
    napi_throw_range_error(env, NULL, "udpRrResponder: width outside 1-4 or longer than the response, hello not 21 bytes, empty ack, state shorter than 2, or out shorter than 3");
    return NULL;
  }
  size_t width = (size_t)width64;
  int64_t deadline = bench_now_ns() + slice_ns(slice_ms);
  double answered = 0, hellos = 0;
  int status = BENCH_OK, op = 0;

  uint8_t heads[UDP_BATCH][UDP_HEAD_BYTES];
  struct iovec in_iov[UDP_BATCH];
  struct mmsghdr in[UDP_BATCH];
  struct iovec out_iov[UDP_BATCH][2];
  struct mmsghdr reply[UDP_BATCH];
  memset(in, 0, sizeof in);
  memset(reply, 0, sizeof reply);
  for (int i = 0; i < UDP_BATCH; i++) {
    in_iov[i].iov_base = heads[i];
    in_iov[i].iov_len = UDP_HEAD_BYTES;
    in[i].msg_hdr.msg_iov = &in_iov[i];
    in[i].msg_hdr.msg_iovlen = 1;
    reply[i].msg_hdr.msg_iov = out_iov[i];
  }
  blocking_t b;
  blocking_begin(&b, (int)fd, state);
  int blocking = b.saved_flags >= 0;
  int try_recv = 1;

  for (;;) {
    int n;
    /* MSG_TRUNC: msg_len is the datagram's real length, though only its head is copied. */
    if (blocking) {
      int64_t left = deadline - bench_now_ns();
      if (left <= 0) break;
      int r = blocking_timeout(&b, left);
      if (r < 0) {
        status = r, op = RR_OP_READ;
        break;
      }
      /* Waits for the first datagram, then takes what else is there. */
      n = recvmmsg((int)fd, in, UDP_BATCH, MSG_WAITFORONE | MSG_TRUNC, NULL);
    } else {
      if (!try_recv) {
        int r = wait_ns((int)fd, POLLIN, deadline);
        if (r == 0) break;
        if (r < 0) {
          status = r, op = RR_OP_POLL;
          break;
        }
      }
      n = recvmmsg((int)fd, in, UDP_BATCH, MSG_DONTWAIT | MSG_TRUNC, NULL);
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        status = -errno, op = RR_OP_READ;
        break;
      }
      try_recv = 0;
      continue;
    }
    /* A full batch may have left more behind: read again before polling. */
    try_recv = n == UDP_BATCH;
    int m = 0;
    for (int i = 0; i < n; i++) {
      size_t len = in[i].msg_len;
      uint8_t *h = heads[i];
      struct iovec *iov = out_iov[m];
      if (is_handshake(h, (ssize_t)len)) {
        if (memcmp(h, hello, HANDSHAKE_BYTES) != 0) continue;
        iov[0].iov_base = ack;
        iov[0].iov_len = ack_len;
        reply[m].msg_hdr.msg_iovlen = 1;
        m++;
        continue;
      }
      if (len < width) continue;
      iov[0].iov_base = h;
      iov[0].iov_len = width;
      iov[1].iov_base = resp + width;
      iov[1].iov_len = resp_len - width;
      reply[m].msg_hdr.msg_iovlen = 2;
      m++;
    }
    int done = 0;
    while (done < m) {
      int s = sendmmsg((int)fd, reply + done, (unsigned)(m - done), MSG_DONTWAIT | MSG_NOSIGNAL);
      if (s > 0) {
        done += s;
        continue;
      }
      if (s < 0 && errno == EINTR) continue;
      if (s < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) {
        int r = bench_wait((int)fd, POLLOUT, deadline);
        if (r > 0) continue;
        if (r < 0) status = r, op = RR_OP_POLL;
        break;
      }
      status = s < 0 ? -errno : -EIO;
      op = RR_OP_WRITE;
      break;
    }
    /* Hellos and answers in the order they were read: count those that went out. */
    for (int i = 0; i < done; i++) {
      if (reply[i].msg_hdr.msg_iovlen == 1) hellos++;
      else answered++;
    }
    if (status != BENCH_OK || done < m) break;
    if (bench_now_ns() >= deadline) break;
  }
  blocking_end(&b);
  out[0] = answered;
  out[1] = hellos;
  out[2] = op;
  return bench_int(env, status);
}

void register_rr(napi_env env, napi_value exports) {
  bench_export(env, exports, "tcpRrClient", tcp_rr_client);
  bench_export(env, exports, "tcpRrResponder", tcp_rr_responder);
  bench_export(env, exports, "udpRrClient", udp_rr_client);
  bench_export(env, exports, "udpRrResponder", udp_rr_responder);
}
