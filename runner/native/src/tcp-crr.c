/*
 * TCP_CRR: a new TCP connection per transaction (netperf's
 * connect/request/response). What goes over the wire, and why the server
 * closes first: runner/data/tcp-crr.ts. These loops open, use and close
 * their connections themselves, each recorded as the library's own
 * (bench_own_fd), so a connection that spans two calls lives in a state slot
 * and is closed with the thread's environment if the worker goes away.
 * Sockets are non-blocking; every wait is a poll bounded by the slice.
 */
#define _GNU_SOURCE
#include "bench-io.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* The failing call, in out[op] when the status is an errno (runner/native/crr-io.ts). */
enum { OP_WRITE = 1, OP_READ = 2, OP_POLL = 3, OP_CONNECT = 4, OP_SOCKET = 5, OP_ACCEPT = 6 };

/* ---------------------------------------------------------------- client */

enum { CC_PHASE, CC_FD, CC_SENT, CC_GOT, CC_STARTED_AT, CC_SLOTS };
enum { CC_IDLE = 0, CC_CONNECTING = 1, CC_SENDING = 2, CC_AWAITING = 3, CC_CLOSING = 4 };
enum { CO_DONE, CO_STARTED, CO_FAILED, CO_MOVED, CO_OP, CO_LAST_ERRNO, CO_LAST_OP, CO_SLOTS };

/* Waits for `events` until deadline_ns: 1 ready (revents in *revents), 0 timed out, -errno. */
static int wait_events(int fd, short events, int64_t deadline_ns, short *revents) {
  for (;;) {
    int64_t left = deadline_ns - bench_now_ns();
    if (left <= 0) return 0;
    struct pollfd p = {.fd = fd, .events = events};
    struct timespec ts = {.tv_sec = left / 1000000000LL, .tv_nsec = left % 1000000000LL};
    int r = ppoll(&p, 1, &ts, NULL);
    if (r > 0) {
      *revents = p.revents;
      return 1;
    }
    if (r == 0) return 0;
    if (errno != EINTR) return -errno;
  }
}

/*
 * tcpCrrClient(address, port, message, responseSize, buffer, mayStart, sliceMs, connectTimeoutMs, state, lat, out) -> status
 *
 * Transactions one after another: a new non-blocking socket connects to
 * address:port, writes `message` (the cookie and the request), reads
 * responseSize bytes, records the time from connect() to the response's
 * last byte in `lat` (ms), reads on to the server's end and closes. New
 * transactions start until sliceMs has passed (only while mayStart is 1);
 * one under way is carried on for up to one more slice, then left in
 * `state` for the next call. A connection that cannot be made (refused,
 * unreachable, not made within connectTimeoutMs), or that fails before the
 * whole response (reset, or the server's end too soon), is closed, counted
 * in out[2], and the call returns, so the caller can pause before the next.
 * Status -EADDRNOTAVAIL: no local port is left (op 4, connect).
 *
 * state (>= 5, zeroed before the first call): [0] 0 idle, 1 connecting, 2
 * sending, 3 awaiting the response, 4 awaiting the server's end; [1] the
 * connection's descriptor; [2] message bytes written; [3] response bytes
 * read; [4] monotonic ns of its connect().
 * out (>= 7): [0] transactions (latencies in lat), [1] connections started,
 * [2] connections that failed, [3] bytes written and read, [4] the failing
 * call when the status is an errno, [5] and [6] the errno (0: the server's
 * end) and the call of the last connection that failed.
 */
static napi_value tcp_crr_client(napi_env env, napi_callback_info info) {
  napi_value argv[11];
  static const char fn[] = "tcpCrrClient";
  int64_t port, resp_size, may_start, slice, connect_timeout_ms;
  struct sockaddr_storage sa;
  socklen_t sa_len;
  double *state, *lat, *out;
  uint8_t *msg, *buf;
  size_t msg_len, buf_len, state_len, lat_len, out_len;
  if (!bench_args(env, info, 11, argv, fn) || !bench_arg_int(env, argv[1], fn, "port", 1, 65535, &port) ||
      !bench_arg_address(env, argv[0], fn, port, &sa, &sa_len) || !bench_arg_buffer(env, argv[2], fn, "message", &msg, &msg_len) ||
      !bench_arg_int(env, argv[3], fn, "responseSize", 1, 0x7fffffff, &resp_size) || !bench_arg_buffer(env, argv[4], fn, "buffer", &buf, &buf_len) ||
      !bench_arg_int(env, argv[5], fn, "mayStart", 0, 1, &may_start) || !bench_arg_slice(env, argv[6], fn, "sliceMs", &slice) ||
      !bench_arg_int(env, argv[7], fn, "connectTimeoutMs", 1, 7LL * 24 * 3600 * 1000, &connect_timeout_ms) ||
      !bench_arg_f64(env, argv[8], fn, "state", &state, &state_len) || !bench_arg_f64(env, argv[9], fn, "lat", &lat, &lat_len) ||
      !bench_arg_f64(env, argv[10], fn, "out", &out, &out_len)) {
    return NULL;
  }
  if (msg_len == 0 || buf_len == 0 || state_len < CC_SLOTS || lat_len == 0 || out_len < CO_SLOTS) {
    bench_range_error(env, fn, "message and buffer must not be empty, state must hold 5 numbers, lat 1, out 7");
    return NULL;
  }
  if (!bench_check_slot(env, fn, state, CC_PHASE, "phase", CC_IDLE, CC_CLOSING, 1) ||
      !bench_check_slot(env, fn, state, CC_FD, "descriptor", 0, 0x7fffffff, 1) ||
      !bench_check_slot(env, fn, state, CC_SENT, "message bytes sent", 0, (double)msg_len, 1) ||
      !bench_check_slot(env, fn, state, CC_GOT, "response bytes read", 0, (double)resp_size, 1) ||
      !bench_check_slot(env, fn, state, CC_STARTED_AT, "connect time ns", 0, 9e18, 1)) {
    return NULL;
  }
  int phase = (int)state[CC_PHASE];
  int fd = (int)state[CC_FD];
  if (phase != CC_IDLE && !bench_is_owned(env, fd)) {
    bench_range_error(env, fn, "state[1] (descriptor) is not an open socket of the native data path - was the state array shared or written to?");
    return NULL;
  }
  size_t sent = (size_t)state[CC_SENT];
  size_t got = (size_t)state[CC_GOT];
  int64_t started_at = (int64_t)state[CC_STARTED_AT];
  int64_t deadline = bench_now_ns() + slice;
  int64_t hard_deadline = deadline + slice;
  int64_t connect_timeout = connect_timeout_ms * 1000000LL;
  size_t n_lat = 0;
  double started = 0, failed = 0, moved = 0, last_errno = 0, last_op = 0;
  int status = BENCH_OK, op = 0;

  for (;;) {
    if (phase == CC_IDLE) {
      /* After a failed connection the caller pauses before the next attempt. */
      if (!may_start || n_lat >= lat_len || failed > 0) break;
      int64_t now = bench_now_ns();
      if (now >= deadline) break;
      int s = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (s < 0) {
        status = -errno, op = OP_SOCKET;
        break;
      }
      fd = bench_own_fd(env, s);
      if (fd < 0) {
        status = fd, op = OP_SOCKET;
        break;
      }
      /* The cookie and a request larger than a segment must not wait on Nagle for the server's delayed ACK. */
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      started++;
      started_at = now;
      sent = 0;
      got = 0;
      if (connect(fd, (struct sockaddr *)&sa, sa_len) == 0) {
        phase = CC_SENDING;
      } else if (errno == EINPROGRESS || errno == EINTR) {
        phase = CC_CONNECTING;
      } else {
        int e = errno;
        bench_close_fd(env, fd);
        if (e == EADDRNOTAVAIL) {
          status = -e, op = OP_CONNECT;
          break;
        }
        failed++, last_errno = e, last_op = OP_CONNECT;
        continue;
      }
    }
    if (phase == CC_CONNECTING) {
      int64_t give_up = started_at + connect_timeout;
      short revents = 0;
      int r = wait_events(fd, POLLOUT, give_up < hard_deadline ? give_up : hard_deadline, &revents);
      if (r < 0) {
        status = r, op = OP_POLL;
        break;
      }
      int e = 0;
      if (r == 0) {
        if (bench_now_ns() < give_up) break;
        e = ETIMEDOUT;
      } else if (revents & (POLLERR | POLLHUP)) {
        socklen_t len = sizeof e;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0) e = errno;
        if (e == 0) e = ECONNREFUSED;
      }
      if (e != 0) {
        bench_close_fd(env, fd);
        phase = CC_IDLE;
        if (e == EADDRNOTAVAIL) {
          status = -e, op = OP_CONNECT;
          break;
        }
        failed++, last_errno = e, last_op = OP_CONNECT;
        continue;
      }
      phase = CC_SENDING;
    }
    if (phase == CC_SENDING) {
      ssize_t n = send(fd, msg + sent, msg_len - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n > 0) {
        moved += (double)n;
        sent += (size_t)n;
        if (sent == msg_len) phase = CC_AWAITING;
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        short revents;
        int r = wait_events(fd, POLLOUT, hard_deadline, &revents);
        if (r > 0) continue;
        if (r < 0) status = r, op = OP_POLL;
        break;
      }
      /* Reset before the whole request went: a failed connection, as one refused. */
      last_errno = n < 0 ? errno : EPIPE, last_op = OP_WRITE, failed++;
      bench_close_fd(env, fd);
      phase = CC_IDLE;
      continue;
    }
    /* CC_AWAITING the response, then CC_CLOSING: reading on to the server's end. */
    size_t want = phase == CC_AWAITING && (size_t)resp_size - got < buf_len ? (size_t)resp_size - got : buf_len;
    ssize_t n = recv(fd, buf, want, MSG_DONTWAIT);
    if (n > 0) {
      moved += (double)n;
      if (phase == CC_AWAITING) {
        got += (size_t)n;
        if (got >= (size_t)resp_size) {
          lat[n_lat++] = (double)(bench_now_ns() - started_at) / 1e6;
          phase = CC_CLOSING;
        }
      }
      continue;
    }
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
      /* Before the whole response: a failed connection. After it: the server's end, the port free at once. */
      if (phase == CC_AWAITING) failed++, last_errno = n == 0 ? 0 : errno, last_op = OP_READ;
      bench_close_fd(env, fd);
      phase = CC_IDLE;
      continue;
    }
    if (errno == EINTR) continue;
    short revents;
    int r = wait_events(fd, POLLIN, hard_deadline, &revents);
    if (r > 0) continue;
    if (r < 0) status = r, op = OP_POLL;
    break;
  }
  state[CC_PHASE] = phase;
  state[CC_FD] = phase == CC_IDLE ? 0 : fd;
  state[CC_SENT] = (double)sent;
  state[CC_GOT] = (double)got;
  state[CC_STARTED_AT] = (double)started_at;
  out[CO_DONE] = (double)n_lat;
  out[CO_STARTED] = started;
  out[CO_FAILED] = failed;
  out[CO_MOVED] = moved;
  out[CO_OP] = op;
  out[CO_LAST_ERRNO] = last_errno;
  out[CO_LAST_OP] = last_op;
  return bench_int(env, status);
}

/* ---------------------------------------------------------------- server */

/* Connections being answered at once per listener: one client stream makes one at a time; the rest is room for strangers. */
#define CRR_PENDING 8
/* Per pending connection: descriptor + 1 (0: free), 0 reading or 1 writing, bytes read or written, accept time ns. */
enum { CS_FD, CS_PHASE, CS_COUNT, CS_AT, CS_FIELDS };
#define CS_SLOTS (CRR_PENDING * CS_FIELDS)
enum { CS_READING = 0, CS_WRITING = 1 };
enum { SO_DONE, SO_MOVED, SO_DROPPED, SO_OP, SO_SLOTS };

/* Closes a pending connection and frees its slot. */
static void release(napi_env env, double *slot) {
  bench_close_fd(env, (int)slot[CS_FD] - 1);
  memset(slot, 0, CS_FIELDS * sizeof *slot);
}

static void drop(napi_env env, double *slot, double *dropped) {
  release(env, slot);
  (*dropped)++;
}

/*
 * tcpCrrResponder(listenFd, cookie, requestSize, response, buffer, sliceMs, timeoutMs, state, out) -> status
 *
 * Accepts connections on listenFd and answers each: it must present the
 * cookie, then requestSize bytes; it is sent `response` and closed, this
 * side first. A wrong cookie, an end or an error before the whole request,
 * or timeoutMs without the whole exchange, closes it unanswered (out[2]).
 * Up to 8 connections are under way at once; they carry over between calls
 * in `state`. Runs until sliceMs has passed.
 *
 * state (>= 32, zeroed before the first call): 8 connections of 4 numbers.
 * out (>= 4): [0] connections answered, [1] bytes read and written, [2]
 * connections dropped, [3] the failing call when the status is an errno.
 */
static napi_value tcp_crr_responder(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  static const char fn[] = "tcpCrrResponder";
  int lfd;
  int64_t req_size, slice, timeout_ms;
  double *state, *out;
  uint8_t *cookie, *resp, *buf;
  size_t cookie_len, resp_len, buf_len, state_len, out_len;
  if (!bench_args(env, info, 9, argv, fn) || !bench_arg_fd(env, argv[0], fn, &lfd) ||
      !bench_arg_buffer(env, argv[1], fn, "cookie", &cookie, &cookie_len) ||
      !bench_arg_int(env, argv[2], fn, "requestSize", 1, 0x7fffffff, &req_size) ||
      !bench_arg_buffer(env, argv[3], fn, "response", &resp, &resp_len) || !bench_arg_buffer(env, argv[4], fn, "buffer", &buf, &buf_len) ||
      !bench_arg_slice(env, argv[5], fn, "sliceMs", &slice) ||
      !bench_arg_int(env, argv[6], fn, "timeoutMs", 1, 7LL * 24 * 3600 * 1000, &timeout_ms) ||
      !bench_arg_f64(env, argv[7], fn, "state", &state, &state_len) || !bench_arg_f64(env, argv[8], fn, "out", &out, &out_len)) {
    return NULL;
  }
  if (cookie_len == 0 || resp_len == 0 || buf_len == 0 || state_len < CS_SLOTS || out_len < SO_SLOTS) {
    bench_range_error(env, fn, "cookie, response and buffer must not be empty, state must hold 32 numbers, out 4");
    return NULL;
  }
  double need = (double)cookie_len + (double)req_size;
  for (int i = 0; i < CRR_PENDING; i++) {
    double *s = state + i * CS_FIELDS;
    if (!bench_check_slot(env, fn, s, CS_FD, "descriptor + 1", 0, 0x7fffffff, 1) ||
        !bench_check_slot(env, fn, s, CS_PHASE, "phase", CS_READING, CS_WRITING, 1) ||
        !bench_check_slot(env, fn, s, CS_COUNT, "bytes", 0, s[CS_PHASE] == CS_WRITING ? (double)resp_len - 1 : need - 1, 1) ||
        !bench_check_slot(env, fn, s, CS_AT, "accept time ns", 0, 9e18, 1)) {
      return NULL;
    }
    if (s[CS_FD] != 0 && !bench_is_owned(env, (int)s[CS_FD] - 1)) {
      bench_range_error(env, fn, "a connection's descriptor is not an open socket of the native data path - was the state array shared or written to?");
      return NULL;
    }
  }
  int64_t deadline = bench_now_ns() + slice;
  int64_t timeout = timeout_ms * 1000000LL;
  double done = 0, moved = 0, dropped = 0;
  int status = BENCH_OK, op = 0;

  for (;;) {
    int progressed = 0, free_slots = 0;
    int64_t now = bench_now_ns();
    for (int i = 0; i < CRR_PENDING; i++) {
      double *s = state + i * CS_FIELDS;
      if (s[CS_FD] == 0) {
        free_slots++;
        continue;
      }
      int fd = (int)s[CS_FD] - 1;
      if (s[CS_PHASE] == CS_READING) {
        ssize_t n = recv(fd, buf, buf_len, MSG_DONTWAIT);
        if (n > 0) {
          moved += (double)n;
          size_t at = (size_t)s[CS_COUNT];
          /* The cookie's bytes are checked as they come: a stranger is dropped at its first wrong byte. */
          if (at < cookie_len) {
            size_t k = cookie_len - at < (size_t)n ? cookie_len - at : (size_t)n;
            if (memcmp(buf, cookie + at, k) != 0) {
              drop(env, s, &dropped);
              continue;
            }
          }
          s[CS_COUNT] += (double)n;
          progressed = 1;
          if (s[CS_COUNT] < need) continue;
          s[CS_PHASE] = CS_WRITING;
          s[CS_COUNT] = 0;
        } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
          drop(env, s, &dropped);
          continue;
        }
      }
      if (s[CS_PHASE] == CS_WRITING) {
        size_t at = (size_t)s[CS_COUNT];
        ssize_t n = send(fd, resp + at, resp_len - at, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) {
          moved += (double)n;
          s[CS_COUNT] += (double)n;
          progressed = 1;
          if ((size_t)s[CS_COUNT] == resp_len) {
            /* Answered: this side closes first, so TIME_WAIT stays here (runner/data/tcp-crr.ts). */
            release(env, s);
            done++;
            continue;
          }
        } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
          drop(env, s, &dropped);
          continue;
        }
      }
      if (now - (int64_t)s[CS_AT] > timeout) drop(env, s, &dropped);
    }
    while (free_slots > 0) {
      int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) status = -errno, op = OP_ACCEPT;
        break;
      }
      fd = bench_own_fd(env, fd);
      if (fd < 0) {
        status = fd, op = OP_ACCEPT;
        break;
      }
      for (int i = 0; i < CRR_PENDING; i++) {
        double *s = state + i * CS_FIELDS;
        if (s[CS_FD] != 0) continue;
        s[CS_FD] = fd + 1;
        s[CS_PHASE] = CS_READING;
        s[CS_COUNT] = 0;
        s[CS_AT] = (double)bench_now_ns();
        break;
      }
      free_slots--;
      progressed = 1;
    }
    if (status != BENCH_OK) break;
    now = bench_now_ns();
    if (now >= deadline) break;
    if (progressed) continue;
    struct pollfd p[CRR_PENDING + 1];
    int count = 0;
    if (free_slots > 0) p[count++] = (struct pollfd){.fd = lfd, .events = POLLIN};
    for (int i = 0; i < CRR_PENDING; i++) {
      double *s = state + i * CS_FIELDS;
      if (s[CS_FD] == 0) continue;
      p[count++] = (struct pollfd){.fd = (int)s[CS_FD] - 1, .events = s[CS_PHASE] == CS_WRITING ? POLLOUT : POLLIN};
    }
    int64_t left = deadline - now;
    struct timespec ts = {.tv_sec = left / 1000000000LL, .tv_nsec = left % 1000000000LL};
    int r = ppoll(p, (nfds_t)count, &ts, NULL);
    if (r == 0) break;
    if (r < 0 && errno != EINTR) {
      status = -errno, op = OP_POLL;
      break;
    }
  }
  out[SO_DONE] = done;
  out[SO_MOVED] = moved;
  out[SO_DROPPED] = dropped;
  out[SO_OP] = op;
  return bench_int(env, status);
}

int register_tcp_crr(napi_env env, napi_value exports) {
  return bench_export(env, exports, "tcpCrrClient", tcp_crr_client) && bench_export(env, exports, "tcpCrrResponder", tcp_crr_responder);
}
