/*
 * TCP_STREAM: the sender writes one message buffer over and over, the
 * receiver reads into one buffer and counts. A partial write is finished on
 * the next write, so the byte stream is exactly a sequence of messages.
 */
#include "bench-io.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>

/*
 * tcpSend(fd, message, offset, sliceMs, out) -> status
 * Writes message[offset..] then whole messages until sliceMs has passed.
 * out[0] = bytes the kernel accepted in this call, out[1] = offset into the
 * message where the next call resumes.
 */
static napi_value tcp_send(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  int fd;
  int64_t offset, slice;
  double *out;
  uint8_t *msg;
  size_t len, out_len;
  if (!bench_args(env, info, 5, argv, "tcpSend") || !bench_arg_fd(env, argv[0], "tcpSend", &fd) ||
      !bench_arg_buffer(env, argv[1], "tcpSend", "message", &msg, &len) ||
      !bench_arg_int(env, argv[2], "tcpSend", "offset", 0, (int64_t)len - 1, &offset) ||
      !bench_arg_slice(env, argv[3], "tcpSend", "sliceMs", &slice) || !bench_arg_f64(env, argv[4], "tcpSend", "out", &out, &out_len)) {
    return NULL;
  }
  if (out_len < 2) {
    bench_range_error(env, "tcpSend", "out must hold at least 2 numbers");
    return NULL;
  }
  int64_t deadline = bench_now_ns() + slice;
  size_t off = (size_t)offset;
  double written = 0;
  int status = BENCH_OK;
  for (;;) {
    ssize_t n = send(fd, msg + off, len - off, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      written += (double)n;
      off += (size_t)n;
      if (off == len) off = 0;
      if (bench_now_ns() >= deadline) break;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      int r = bench_wait(fd, POLLOUT, deadline);
      if (r > 0) continue;
      if (r < 0) status = r;
      break;
    }
    status = n < 0 ? -errno : -EPIPE;
    break;
  }
  out[0] = written;
  out[1] = (double)off;
  return bench_int(env, status);
}

/*
 * The receiver's low-water mark (SO_RCVLOWAT) for this call: the kernel wakes
 * a waiting receiver only once this much is queued (or the peer ended, or
 * memory runs short), instead of at every segment. Kept at a quarter of the
 * receive buffer at most, as the buffer autotunes: a mark the buffer cannot
 * hold twice over makes Linux grow the buffer and clamp the receive window to
 * the mark, which on a real link (1 Gbit/s through tbf) held the window shut
 * until the receiver woke and cost a fifth of the rate.
 */
static void set_low_water(int fd, int64_t wanted) {
  int rcvbuf = 0, current = 0;
  socklen_t len = sizeof rcvbuf;
  if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &len) < 0) return;
  int64_t mark = wanted < rcvbuf / 4 ? wanted : rcvbuf / 4;
  if (mark < 1) mark = 1;
  len = sizeof current;
  if (getsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &current, &len) == 0 && current == mark) return;
  int v = (int)mark;
  setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &v, sizeof v);
}

/*
 * tcpRecv(fd, buffer, lowWater, sliceMs, out) -> status
 * Reads into buffer (overwritten each read) until sliceMs has passed or the
 * peer ends; a waiting read is woken at lowWater bytes queued (at most a
 * quarter of the receive buffer; 1: at every segment), while every call
 * starts by taking whatever is queued, so no byte waits longer than a slice.
 * out[0] = bytes read in this call, out[1] = monotonic ms of the last read
 * that returned data (0: none in this call).
 */
static napi_value tcp_recv(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  int fd;
  int64_t low_water, slice;
  double *out;
  uint8_t *buf;
  size_t len, out_len;
  if (!bench_args(env, info, 5, argv, "tcpRecv") || !bench_arg_fd(env, argv[0], "tcpRecv", &fd) ||
      !bench_arg_buffer(env, argv[1], "tcpRecv", "buffer", &buf, &len) ||
      !bench_arg_int(env, argv[2], "tcpRecv", "lowWater", 1, 0x7fffffff, &low_water) ||
      !bench_arg_slice(env, argv[3], "tcpRecv", "sliceMs", &slice) || !bench_arg_f64(env, argv[4], "tcpRecv", "out", &out, &out_len)) {
    return NULL;
  }
  if (len == 0 || out_len < 2) {
    bench_range_error(env, "tcpRecv", "buffer must not be empty and out must hold at least 2 numbers");
    return NULL;
  }
  set_low_water(fd, low_water);
  int64_t deadline = bench_now_ns() + slice;
  double got = 0;
  int64_t last_ns = 0;
  int status = BENCH_OK;
  for (;;) {
    ssize_t n = recv(fd, buf, len, MSG_DONTWAIT);
    if (n > 0) {
      got += (double)n;
      last_ns = bench_now_ns();
      if (last_ns >= deadline) break;
      continue;
    }
    if (n == 0) {
      status = BENCH_EOF;
      break;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      int r = bench_wait(fd, POLLIN, deadline);
      if (r > 0) continue;
      if (r < 0) status = r;
      break;
    }
    status = -errno;
    break;
  }
  out[0] = got;
  out[1] = last_ns ? (double)last_ns / 1e6 : 0;
  return bench_int(env, status);
}

int register_tcp_stream(napi_env env, napi_value exports) {
  return bench_export(env, exports, "tcpSend", tcp_send) && bench_export(env, exports, "tcpRecv", tcp_recv);
}
