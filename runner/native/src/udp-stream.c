/*
 * UDP_STREAM: the sender sends numbered datagrams with sendmmsg, each one a
 * 16-byte header built on the stack plus the shared payload; the receiver
 * takes a batch with recvmmsg and hands JavaScript each datagram's length,
 * sequence number, sent-at time and kernel arrival time, so that the figures
 * (loss, order, jitter) keep being computed by the JavaScript classes that
 * define them. Layout of a datagram: runner/data/udp-datagram.ts.
 */
/* sendmmsg, recvmmsg and struct mmsghdr are GNU extensions in glibc. */
#define _GNU_SOURCE
#include "bench-io.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

/* Datagrams per sendmmsg call. */
#define SEND_BATCH 64
/* Datagrams per recvmmsg call at most (the slots JavaScript gives may be fewer). */
#define RECV_BATCH 256
/* Doubles per datagram in udpRecv's meta. */
#define META_STRIDE 4
#define HEADER_BYTES 16

static void put_u32_be(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static uint32_t get_u32_be(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void put_f64_be(uint8_t *p, double d) {
  uint64_t v;
  memcpy(&v, &d, sizeof v);
  put_u32_be(p, (uint32_t)(v >> 32));
  put_u32_be(p + 4, (uint32_t)v);
}

static double get_f64_be(const uint8_t *p) {
  uint64_t v = (uint64_t)get_u32_be(p) << 32 | get_u32_be(p + 4);
  double d;
  memcpy(&d, &v, sizeof d);
  return d;
}

/*
 * udpSend(fd, payload, count, seqStart, clockOffsetMs, sliceMs, out) -> status
 * Sends up to `count` datagrams of payload.length bytes on a connected socket,
 * numbered seqStart, seqStart + 1, ...: bytes 0..15 of each are its header
 * (sequence, then the native clock + clockOffsetMs at its batch's send), the
 * rest is payload[16..]. Stops at `count` or when sliceMs has passed; a full
 * socket buffer is waited for within the slice. out[0] = datagrams sent in
 * this call. A status of -ECONNREFUSED means ICMP port unreachable came back:
 * nobody listens at the receiver's port any more.
 */
static napi_value udp_send(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  int fd;
  int64_t count, seq_start, slice;
  double offset_ms, *out;
  uint8_t *payload;
  size_t len, out_len;
  /* Sequence numbers stay below 2^53, where a double still counts them exactly. */
  const int64_t max_seq = 9007199254740991LL;
  if (!bench_args(env, info, 7, argv, "udpSend") || !bench_arg_fd(env, argv[0], "udpSend", &fd) ||
      !bench_arg_buffer(env, argv[1], "udpSend", "payload", &payload, &len) ||
      !bench_arg_int(env, argv[2], "udpSend", "count", 0, 1LL << 31, &count) ||
      !bench_arg_int(env, argv[3], "udpSend", "seqStart", 0, max_seq - (1LL << 31), &seq_start) ||
      !bench_arg_double(env, argv[4], "udpSend", "clockOffsetMs", &offset_ms) ||
      !bench_arg_slice(env, argv[5], "udpSend", "sliceMs", &slice) || !bench_arg_f64(env, argv[6], "udpSend", "out", &out, &out_len)) {
    return NULL;
  }
  if (len < HEADER_BYTES || out_len < 1) {
    bench_range_error(env, "udpSend", "payload must be at least 16 bytes and out not empty");
    return NULL;
  }
  uint8_t headers[SEND_BATCH][HEADER_BYTES];
  struct iovec iov[SEND_BATCH][2];
  struct mmsghdr msgs[SEND_BATCH];
  memset(msgs, 0, sizeof msgs);
  for (int i = 0; i < SEND_BATCH; i++) {
    iov[i][0].iov_base = headers[i];
    iov[i][0].iov_len = HEADER_BYTES;
    iov[i][1].iov_base = payload + HEADER_BYTES;
    iov[i][1].iov_len = len - HEADER_BYTES;
    msgs[i].msg_hdr.msg_iov = iov[i];
    msgs[i].msg_hdr.msg_iovlen = len > HEADER_BYTES ? 2 : 1;
  }
  int64_t deadline = bench_now_ns() + slice;
  int64_t sent = 0;
  int status = BENCH_OK;
  /*
   * sendmmsg drops the error of a message after the first: a short count is
   * all it says. An ICMP port unreachable (sk_err) is consumed by the message
   * it fails, so the next datagram after a short count goes alone with
   * sendmsg, which reports any persistent error (EAGAIN, ENOBUFS, a route)
   * and, when the peer is gone, draws the next ICMP error onto the first
   * message of the following batch, which sendmmsg does report.
   */
  int single = 0;
  while (sent < count) {
    int64_t left = count - sent;
    int n = single ? 1 : left < SEND_BATCH ? (int)left : SEND_BATCH;
    /* Each batch rebuilds its headers from `sent`: after a short batch the next one starts at the first datagram not sent. */
    double sent_at = (double)bench_now_ns() / 1e6 + offset_ms;
    for (int i = 0; i < n; i++) {
      uint64_t seq = (uint64_t)(seq_start + sent + i);
      put_u32_be(headers[i], (uint32_t)(seq >> 32));
      put_u32_be(headers[i] + 4, (uint32_t)seq);
      put_f64_be(headers[i] + 8, sent_at);
    }
    int r;
    if (single) r = sendmsg(fd, &msgs[0].msg_hdr, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 ? -1 : 1;
    else r = sendmmsg(fd, msgs, (unsigned)n, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (r > 0) {
      sent += r;
      single = r < n;
      if (bench_now_ns() >= deadline) break;
      continue;
    }
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      int w = bench_wait(fd, POLLOUT, deadline);
      if (w > 0) continue;
      if (w < 0) status = w;
      break;
    }
    if (r < 0 && errno == ENOBUFS) {
      if (bench_nobufs_backoff(deadline)) continue;
      break;
    }
    status = r < 0 ? -errno : -EIO;
    break;
  }
  out[0] = (double)sent;
  return bench_int(env, status);
}

/*
 * udpRecv(fd, buffer, slotBytes, meta, sliceMs, out) -> status
 * Receives one batch of datagrams (recvmmsg) into the slots of `buffer`,
 * datagram i at buffer[i * slotBytes], at most buffer.length / slotBytes and
 * meta.length / 4 of them (and 256). When nothing is waiting it waits for the
 * socket until sliceMs has passed; it returns after the first non-empty batch.
 * For datagram i: meta[4i] = its length (the real one, even when longer than a
 * slot), meta[4i+1] = its sequence number (bytes 0..7; -1 when shorter than
 * 16 bytes), meta[4i+2] = its sent-at time (bytes 8..15), meta[4i+3] = its
 * arrival time in ms on the native clock: the kernel's receive timestamp when
 * udpRecvTimestamps(fd) turned them on, otherwise the time the batch was read.
 * out[0] = datagrams in this batch.
 */
static napi_value udp_recv(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  int fd;
  int64_t slot_bytes, slice;
  double *meta, *out;
  uint8_t *buf;
  size_t len, meta_len, out_len;
  if (!bench_args(env, info, 6, argv, "udpRecv") || !bench_arg_fd(env, argv[0], "udpRecv", &fd) ||
      !bench_arg_buffer(env, argv[1], "udpRecv", "buffer", &buf, &len) ||
      !bench_arg_int(env, argv[2], "udpRecv", "slotBytes", HEADER_BYTES, (int64_t)len, &slot_bytes) ||
      !bench_arg_f64(env, argv[3], "udpRecv", "meta", &meta, &meta_len) || !bench_arg_slice(env, argv[4], "udpRecv", "sliceMs", &slice) ||
      !bench_arg_f64(env, argv[5], "udpRecv", "out", &out, &out_len)) {
    return NULL;
  }
  if (meta_len < META_STRIDE || out_len < 1) {
    bench_range_error(env, "udpRecv", "meta must hold at least 4 numbers and out at least 1");
    return NULL;
  }
  size_t slots = len / (size_t)slot_bytes;
  if (slots > meta_len / META_STRIDE) slots = meta_len / META_STRIDE;
  if (slots > RECV_BATCH) slots = RECV_BATCH;

  struct iovec iov[RECV_BATCH];
  struct mmsghdr msgs[RECV_BATCH];
  union {
    struct cmsghdr align;
    char bytes[CMSG_SPACE(sizeof(struct timespec))];
  } control[RECV_BATCH];
  for (size_t i = 0; i < slots; i++) {
    iov[i].iov_base = buf + i * (size_t)slot_bytes;
    iov[i].iov_len = (size_t)slot_bytes;
    memset(&msgs[i].msg_hdr, 0, sizeof msgs[i].msg_hdr);
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    msgs[i].msg_hdr.msg_control = control[i].bytes;
    msgs[i].msg_hdr.msg_controllen = sizeof control[i].bytes;
  }

  int64_t deadline = bench_now_ns() + slice;
  int status = BENCH_OK;
  int got = 0;
  for (;;) {
    /* MSG_TRUNC: msg_len is the datagram's real length even when a slot cut it short. */
    int r = recvmmsg(fd, msgs, (unsigned)slots, MSG_DONTWAIT | MSG_TRUNC, NULL);
    if (r > 0) {
      got = r;
      break;
    }
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      int w = bench_wait(fd, POLLIN, deadline);
      if (w > 0) continue;
      if (w < 0) status = w;
      break;
    }
    status = r < 0 ? -errno : -EIO;
    break;
  }
  if (got > 0) {
    /* Kernel timestamps are CLOCK_REALTIME: move them onto the monotonic clock by the clocks' difference now. */
    struct timespec real;
    int64_t mono_ns = bench_now_ns();
    clock_gettime(CLOCK_REALTIME, &real);
    int64_t real_minus_mono = (int64_t)real.tv_sec * 1000000000LL + real.tv_nsec - mono_ns;
    for (int i = 0; i < got; i++) {
      const uint8_t *d = buf + (size_t)i * (size_t)slot_bytes;
      unsigned dlen = msgs[i].msg_len;
      double *m = meta + (size_t)i * META_STRIDE;
      m[0] = (double)dlen;
      if (dlen >= HEADER_BYTES) {
        m[1] = (double)get_u32_be(d) * 4294967296.0 + (double)get_u32_be(d + 4);
        m[2] = get_f64_be(d + 8);
      } else {
        m[1] = -1;
        m[2] = 0;
      }
      int64_t at_ns = mono_ns;
      struct msghdr *h = &msgs[i].msg_hdr;
      for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR(h, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
          struct timespec ts;
          memcpy(&ts, CMSG_DATA(c), sizeof ts);
          at_ns = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec - real_minus_mono;
          break;
        }
      }
      m[3] = (double)at_ns / 1e6;
      /* recvmmsg shrank these to what it wrote: restore them for the next call. */
      h->msg_controllen = sizeof control[i].bytes;
    }
  }
  out[0] = (double)got;
  return bench_int(env, status);
}

/*
 * udpRecvTimestamps(fd) -> status
 * Asks the kernel to timestamp each datagram on arrival (SO_TIMESTAMPNS), so
 * that udpRecv gives every datagram of a batch its own arrival time.
 */
static napi_value udp_recv_timestamps(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int fd;
  if (!bench_args(env, info, 1, argv, "udpRecvTimestamps") || !bench_arg_fd(env, argv[0], "udpRecvTimestamps", &fd)) return NULL;
  int on = 1;
  int status = setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) == 0 ? BENCH_OK : -errno;
  return bench_int(env, status);
}

int register_udp_stream(napi_env env, napi_value exports) {
  return bench_export(env, exports, "udpSend", udp_send) && bench_export(env, exports, "udpRecv", udp_recv) &&
         bench_export(env, exports, "udpRecvTimestamps", udp_recv_timestamps);
}
