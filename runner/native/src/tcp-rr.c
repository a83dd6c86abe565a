/*
 * TCP_RR: one request out, its whole response back, the next request.
 * Messages larger than a segment are read with MSG_WAITALL: one call,
 * however many segments they arrive in.
 * The client times each round trip here, with the monotonic clock taken just
 * before the request is sent and just after its response is complete, and
 * writes it into `lat` (milliseconds). Whatever must outlive one call
 * lives in a Float64Array `state` owned by the caller, so a transaction may
 * span two calls. How the loops wait: rr.h.
 */
#define _GNU_SOURCE
#include "rr.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>

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
  static const char fn[] = "tcpRrClient";
  int fd;
  int64_t resp_size, may_start, slice;
  double *state, *lat, *out;
  uint8_t *req, *buf;
  size_t req_len, buf_len, state_len, lat_len, out_len;
  if (!bench_args(env, info, 9, argv, fn) || !bench_arg_fd(env, argv[0], fn, &fd) || !bench_arg_buffer(env, argv[1], fn, "request", &req, &req_len) ||
      !bench_arg_int(env, argv[2], fn, "responseSize", 1, 0x7fffffff, &resp_size) || !bench_arg_buffer(env, argv[3], fn, "buffer", &buf, &buf_len) ||
      !bench_arg_int(env, argv[4], fn, "mayStart", 0, 1, &may_start) || !bench_arg_slice(env, argv[5], fn, "sliceMs", &slice) ||
      !bench_arg_f64(env, argv[6], fn, "state", &state, &state_len) || !bench_arg_f64(env, argv[7], fn, "lat", &lat, &lat_len) ||
      !bench_arg_f64(env, argv[8], fn, "out", &out, &out_len)) {
    return NULL;
  }
  if (req_len == 0 || buf_len == 0 || state_len < TC_SLOTS || lat_len == 0 || out_len < 4) {
    bench_range_error(env, fn, "request and buffer must not be empty, state must hold 6 numbers, lat 1, out 4");
    return NULL;
  }
  if (!bench_check_slot(env, fn, state, TC_PHASE, "phase", PHASE_IDLE, PHASE_AWAITING, 1) ||
      !bench_check_slot(env, fn, state, TC_SENT, "request bytes sent", 0, (double)req_len, 1) ||
      !bench_check_slot(env, fn, state, TC_GOT, "response bytes read", 0, (double)resp_size - 1, 1) ||
      !bench_check_slot(env, fn, state, TC_SENT_AT, "sent at ns", 0, 9e18, 1) || !blocking_check(env, fn, state, TC_CACHE)) {
    return NULL;
  }
  int phase = (int)state[TC_PHASE];
  size_t sent = (size_t)state[TC_SENT];
  size_t got = (size_t)state[TC_GOT];
  int64_t sent_at = (int64_t)state[TC_SENT_AT];
  int64_t deadline = bench_now_ns() + slice;
  /* An outstanding request is awaited one slice beyond the deadline. */
  int64_t hard_deadline = deadline + slice;
  size_t n_lat = 0;
  double requests = 0, moved = 0;
  int status = BENCH_OK, op = 0;
  blocking_t b;
  blocking_begin(&b, fd, state + TC_CACHE);
  int blocking = b.can_block;
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
      ssize_t n = send(fd, req + sent, req_len - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
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
        int r = bench_wait(fd, POLLOUT, hard_deadline);
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
      n = recv(fd, buf, want, MSG_WAITALL);
    } else {
      if (poll_first) {
        int r = bench_wait(fd, POLLIN, hard_deadline);
        if (r == 0) break;
        if (r < 0) {
          status = r, op = RR_OP_POLL;
          break;
        }
        poll_first = 0;
      }
      n = recv(fd, buf, want, MSG_DONTWAIT);
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
  static const char fn[] = "tcpRrResponder";
  int fd;
  int64_t req_size, slice;
  double *state, *out;
  uint8_t *resp, *buf;
  size_t resp_len, buf_len, state_len, out_len;
  if (!bench_args(env, info, 7, argv, fn) || !bench_arg_fd(env, argv[0], fn, &fd) || !bench_arg_buffer(env, argv[1], fn, "response", &resp, &resp_len) ||
      !bench_arg_int(env, argv[2], fn, "requestSize", 1, 0x7fffffff, &req_size) || !bench_arg_buffer(env, argv[3], fn, "buffer", &buf, &buf_len) ||
      !bench_arg_slice(env, argv[4], fn, "sliceMs", &slice) || !bench_arg_f64(env, argv[5], fn, "state", &state, &state_len) ||
      !bench_arg_f64(env, argv[6], fn, "out", &out, &out_len)) {
    return NULL;
  }
  if (resp_len == 0 || buf_len == 0 || state_len < TR_SLOTS || out_len < 3) {
    bench_range_error(env, fn, "response and buffer must not be empty, state must hold 5 numbers, out 3");
    return NULL;
  }
  if (!bench_check_slot(env, fn, state, TR_PENDING, "bytes of the incomplete request", 0, (double)req_size - 1, 1) ||
      !bench_check_slot(env, fn, state, TR_OWED, "requests owed", 0, 9007199254740991.0, 1) ||
      !bench_check_slot(env, fn, state, TR_OFFSET, "response bytes written", 0, (double)resp_len - 1, 1) || !blocking_check(env, fn, state, TR_CACHE)) {
    return NULL;
  }
  uint64_t pending = (uint64_t)state[TR_PENDING];
  double owed = state[TR_OWED];
  size_t offset = (size_t)state[TR_OFFSET];
  int64_t deadline = bench_now_ns() + slice;
  double requests = 0, moved = 0;
  int status = BENCH_OK, op = 0;
  blocking_t b;
  blocking_begin(&b, fd, state + TR_CACHE);
  int blocking = b.can_block;
  /* try_recv: read before waiting (something may be there); send_blocked: the socket took no more. */
  int try_recv = 1, send_blocked = 0;

  for (;;) {
    if (owed > 0 && !send_blocked) {
      ssize_t n = send(fd, resp + offset, resp_len - offset, MSG_DONTWAIT | MSG_NOSIGNAL);
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
      n = recv(fd, buf, want, MSG_WAITALL);
      got_result = 1;
    } else if (try_recv) {
      n = recv(fd, buf, buf_len, MSG_DONTWAIT);
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
    struct pollfd p = {.fd = fd, .events = events};
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

int register_tcp_rr(napi_env env, napi_value exports) {
  return bench_export(env, exports, "tcpRrClient", tcp_rr_client) && bench_export(env, exports, "tcpRrResponder", tcp_rr_responder);
}
