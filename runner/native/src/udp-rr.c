/*
 * UDP_RR: one request datagram out, the reply carrying its sequence number
 * back, the next request; a request unanswered within the retransmission
 * timeout is given up on and the next one goes out.
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
#include <string.h>
#include <sys/socket.h>

/* The first bytes of a datagram are all the loops look at (sequence, handshake). */
#define UDP_HEAD_BYTES 32
#define UDP_BATCH 32
/* The smallest timeout a caller may set, ms (udp-rr-rules.ts sets the one in use, in UC_MIN_RTO). */
#define MIN_RTO_LIMIT_MS 0.001

/* ---------------------------------------------------------------- UDP client */

enum { UC_OUTSTANDING, UC_SEQ, UC_SENT_AT, UC_SRTT, UC_RTTVAR, UC_RTO, UC_MAX_RTO, UC_PRECISE, UC_CACHE, UC_MIN_RTO = UC_CACHE + 2, UC_SLOTS };
/* After a timeout, this many requests wait for their replies with precise polls, not tick-bound blocking reads. */
#define PRECISE_AFTER_TIMEOUT 1000
/* The largest timeout a caller may set, ms (a day): its ns still fit an int64 many times over. */
#define MAX_RTO_LIMIT_MS 86400000.0

/*
 * udpRrClient(fd, request, width, mayStart, sliceMs, state, lat, out) -> status
 *
 * Writes the sequence number into the request's first `width` bytes, sends
 * it, and waits for the reply carrying that number, or for the
 * retransmission timeout: a request unanswered within it is given up on
 * (a timeout) and the next one goes out. The timeout adapts as TCP's does
 * (RFC 6298: srtt + 4 rttvar, at least state[10], at most state[6]). A reply with
 * another number is an earlier request's, late; handshake datagrams are
 * skipped. New requests start until sliceMs has passed (only when mayStart
 * is true), and an outstanding one is awaited up to one more slice. With
 * mayStart false and nothing outstanding the call listens for late replies
 * until sliceMs has passed.
 *
 * state (>= 11; zero but [5] initial timeout ms, [6] largest timeout ms and
 * [10] smallest timeout ms, before the first call): [0] 1 while a request is outstanding, [1] its
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
  static const char fn[] = "udpRrClient";
  int fd;
  int64_t width64, may_start, slice;
  double *state, *lat, *out;
  uint8_t *req;
  size_t req_len, state_len, lat_len, out_len;
  if (!bench_args(env, info, 8, argv, fn) || !bench_arg_fd(env, argv[0], fn, &fd) || !bench_arg_buffer(env, argv[1], fn, "request", &req, &req_len) ||
      !bench_arg_int(env, argv[2], fn, "width", 1, 4, &width64) || !bench_arg_int(env, argv[3], fn, "mayStart", 0, 1, &may_start) ||
      !bench_arg_slice(env, argv[4], fn, "sliceMs", &slice) || !bench_arg_f64(env, argv[5], fn, "state", &state, &state_len) ||
      !bench_arg_f64(env, argv[6], fn, "lat", &lat, &lat_len) || !bench_arg_f64(env, argv[7], fn, "out", &out, &out_len)) {
    return NULL;
  }
  if (req_len < (size_t)width64 || state_len < UC_SLOTS || lat_len == 0 || out_len < 5) {
    bench_range_error(env, fn, "request must be at least width bytes, state must hold 11 numbers, lat 1, out 5");
    return NULL;
  }
  if (!bench_check_slot(env, fn, state, UC_OUTSTANDING, "outstanding", 0, 1, 1) ||
      !bench_check_slot(env, fn, state, UC_SEQ, "sequence number", 0, 9007199254740991.0, 1) ||
      !bench_check_slot(env, fn, state, UC_SENT_AT, "sent at ns", 0, 9e18, 1) ||
      !bench_check_slot(env, fn, state, UC_SRTT, "smoothed round trip ms", 0, MAX_RTO_LIMIT_MS, 0) ||
      !bench_check_slot(env, fn, state, UC_RTTVAR, "round-trip variation ms", 0, MAX_RTO_LIMIT_MS, 0) ||
      !bench_check_slot(env, fn, state, UC_RTO, "retransmission timeout ms", MIN_RTO_LIMIT_MS, MAX_RTO_LIMIT_MS, 0) ||
      !bench_check_slot(env, fn, state, UC_MAX_RTO, "largest timeout ms", 1.0, MAX_RTO_LIMIT_MS, 0) ||
      !bench_check_slot(env, fn, state, UC_MIN_RTO, "smallest timeout ms", MIN_RTO_LIMIT_MS, MAX_RTO_LIMIT_MS, 0) ||
      !bench_check_slot(env, fn, state, UC_PRECISE, "precise waits left", 0, PRECISE_AFTER_TIMEOUT, 1) || !blocking_check(env, fn, state, UC_CACHE)) {
    return NULL;
  }
  int width = (int)width64;
  uint32_t mask = seq_mask(width);
  int outstanding = state[UC_OUTSTANDING] != 0;
  double seq = state[UC_SEQ];
  int64_t sent_at = (int64_t)state[UC_SENT_AT];
  double srtt = state[UC_SRTT], rttvar = state[UC_RTTVAR], rto = state[UC_RTO], max_rto = state[UC_MAX_RTO], min_rto = state[UC_MIN_RTO];
  double precise_left = state[UC_PRECISE];
  int64_t deadline = bench_now_ns() + slice;
  int64_t hard_deadline = deadline + slice;
  size_t n_lat = 0;
  double requests = 0, timeouts = 0, late = 0;
  int status = BENCH_OK, op = 0;
  uint8_t head[UDP_HEAD_BYTES];
  blocking_t b;
  blocking_begin(&b, fd, state + UC_CACHE);
  int can_block = b.can_block;

  for (;;) {
    int64_t now = bench_now_ns();
    if (!outstanding && may_start) {
      if (n_lat >= lat_len || now >= deadline) break;
      write_seq(req, (uint32_t)((uint64_t)(seq + 1) & mask), width);
      ssize_t n = send(fd, req, req_len, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == ENOBUFS) {
          if (bench_nobufs_backoff(deadline)) continue;
          break;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          int r = bench_wait(fd, POLLOUT, deadline);
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
      n = recv(fd, head, sizeof head, MSG_TRUNC);
    } else {
      int r = bench_wait(fd, POLLIN, until);
      if (r == 0) continue;
      if (r < 0) {
        status = r, op = RR_OP_POLL;
        break;
      }
      n = recv(fd, head, sizeof head, MSG_DONTWAIT | MSG_TRUNC);
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
      if (rto < min_rto) rto = min_rto;
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
  static const char fn[] = "udpRrResponder";
  int fd;
  int64_t width64, slice;
  double *state, *out;
  uint8_t *resp, *hello, *ack;
  size_t resp_len, hello_len, ack_len, state_len, out_len;
  if (!bench_args(env, info, 8, argv, fn) || !bench_arg_fd(env, argv[0], fn, &fd) || !bench_arg_buffer(env, argv[1], fn, "response", &resp, &resp_len) ||
      !bench_arg_int(env, argv[2], fn, "width", 1, 4, &width64) || !bench_arg_buffer(env, argv[3], fn, "hello", &hello, &hello_len) ||
      !bench_arg_buffer(env, argv[4], fn, "ack", &ack, &ack_len) || !bench_arg_slice(env, argv[5], fn, "sliceMs", &slice) ||
      !bench_arg_f64(env, argv[6], fn, "state", &state, &state_len) || !bench_arg_f64(env, argv[7], fn, "out", &out, &out_len)) {
    return NULL;
  }
  if (resp_len < (size_t)width64 || hello_len != HANDSHAKE_BYTES || ack_len == 0 || state_len < 2 || out_len < 3) {
    bench_range_error(env, fn, "response must be at least width bytes, hello 21 bytes, ack not empty, state must hold 2 numbers, out 3");
    return NULL;
  }
  if (!blocking_check(env, fn, state, 0)) return NULL;
  size_t width = (size_t)width64;
  int64_t deadline = bench_now_ns() + slice;
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
  blocking_begin(&b, fd, state);
  int blocking = b.can_block;
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
      n = recvmmsg(fd, in, UDP_BATCH, MSG_WAITFORONE | MSG_TRUNC, NULL);
    } else {
      if (!try_recv) {
        int r = bench_wait(fd, POLLIN, deadline);
        if (r == 0) break;
        if (r < 0) {
          status = r, op = RR_OP_POLL;
          break;
        }
      }
      n = recvmmsg(fd, in, UDP_BATCH, MSG_DONTWAIT | MSG_TRUNC, NULL);
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
      int s = sendmmsg(fd, reply + done, (unsigned)(m - done), MSG_DONTWAIT | MSG_NOSIGNAL);
      if (s > 0) {
        done += s;
        continue;
      }
      if (s < 0 && errno == EINTR) continue;
      if (s < 0 && errno == ENOBUFS) {
        if (bench_nobufs_backoff(deadline)) continue;
        break;
      }
      if (s < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        int r = bench_wait(fd, POLLOUT, deadline);
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
int register_udp_rr(napi_env env, napi_value exports) {
  return bench_export(env, exports, "udpRrClient", udp_rr_client) && bench_export(env, exports, "udpRrResponder", udp_rr_responder);
}
