/*
 * Why a data stream's figure is what it is: the kernel's view of a TCP
 * connection (TCP_INFO, TCP_CONGESTION, the buffer sizes it granted), read
 * by the data thread once per interval, never per send; and the socket
 * options a run asks for (bind, dscp, congestion, mss, window), kept per
 * data thread and applied by sockets.c to each data socket it opens, before
 * it connects or listens (TCP_MAXSEG and the buffer sizes must be there
 * before the handshake to shape it).
 */
#define _GNU_SOURCE
#include "socket-options.h"

#include <errno.h>
#include <stddef.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* The options of the run this data thread serves: one thread, one stream, one set. */
static _Thread_local struct {
  int dscp;
  int mss;
  int window;
  char congestion[BENCH_CONGESTION_MAX];
  int has_bind;
  struct sockaddr_storage bind;
  socklen_t bind_len;
  /* Which option the last failed apply was setting, for the caller's message. */
  const char *failed;
} opts;

static int set_opt(int fd, int level, int name, const void *value, socklen_t len, const char *what) {
  if (setsockopt(fd, level, name, value, len) == 0) return 0;
  opts.failed = what;
  return -errno;
}

static int set_int(int fd, int level, int name, int value, const char *what) {
  return set_opt(fd, level, name, &value, sizeof value, what);
}

int bench_apply_socket_options(int fd, int family, int tcp) {
  opts.failed = "";
  int r = 0;
  if (opts.dscp > 0) {
    /* DSCP is the upper six bits of the TOS byte (IPv4) or traffic class (IPv6); the ECN bits stay the kernel's. */
    int tos = opts.dscp << 2;
    r = family == AF_INET6 ? set_int(fd, IPPROTO_IPV6, IPV6_TCLASS, tos, "dscp") : set_int(fd, IPPROTO_IP, IP_TOS, tos, "dscp");
    /* An IPv6 socket may carry IPv4 (mapped addresses): mark that too where the kernel lets it. */
    if (r == 0 && family == AF_INET6) setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof tos);
  }
  if (r == 0 && opts.window > 0) {
    r = set_int(fd, SOL_SOCKET, SO_SNDBUF, opts.window, "window");
    if (r == 0) r = set_int(fd, SOL_SOCKET, SO_RCVBUF, opts.window, "window");
  }
  if (r == 0 && tcp && opts.mss > 0) r = set_int(fd, IPPROTO_TCP, TCP_MAXSEG, opts.mss, "mss");
#ifdef TCP_CONGESTION
  if (r == 0 && tcp && opts.congestion[0] != '\0')
    r = set_opt(fd, IPPROTO_TCP, TCP_CONGESTION, opts.congestion, (socklen_t)strlen(opts.congestion), "congestion");
#endif
  return r;
}

int bench_bind_local(int fd, int family) {
  if (!opts.has_bind) return 0;
  opts.failed = "bind";
  if (opts.bind.ss_family != family) return -EAFNOSUPPORT;
  if (bind(fd, (struct sockaddr *)&opts.bind, opts.bind_len) < 0) return -errno;
  opts.failed = "";
  return 0;
}

/*
 * setSocketOptions(dscp, mss, window, congestion, bindAddress) -> status
 * The options for every data socket this thread opens from now on: dscp
 * 0-63 (0: leave unmarked), mss and window in bytes (0: the kernel's
 * choice), congestion a name ('' the kernel's default), bindAddress a
 * numeric address for the client's sockets to send from ('' any).
 */
static napi_value set_socket_options(napi_env env, napi_callback_info info) {
  static const char fn[] = "setSocketOptions";
  napi_value argv[5];
  int64_t dscp, mss, window;
  if (!bench_args(env, info, 5, argv, fn) || !bench_arg_int(env, argv[0], fn, "dscp", 0, 63, &dscp) ||
      !bench_arg_int(env, argv[1], fn, "mss", 0, 65535, &mss) || !bench_arg_int(env, argv[2], fn, "window", 0, 0x7fffffff, &window)) {
    return NULL;
  }
  char congestion[BENCH_CONGESTION_MAX + 1];
  char address[INET6_ADDRSTRLEN + 32];
  size_t congestion_len = 0, address_len = 0;
  if (napi_get_value_string_utf8(env, argv[3], congestion, sizeof congestion, &congestion_len) != napi_ok ||
      napi_get_value_string_utf8(env, argv[4], address, sizeof address, &address_len) != napi_ok) {
    napi_throw_type_error(env, NULL, "setSocketOptions: congestion and bindAddress must be strings");
    return NULL;
  }
  if (congestion_len >= BENCH_CONGESTION_MAX) {
    bench_range_error(env, fn, "congestion must be shorter than 16 characters (the kernel's TCP_CA_NAME_MAX)");
    return NULL;
  }
  struct sockaddr_storage bind_sa;
  socklen_t bind_len = 0;
  if (address_len > 0) {
    struct addrinfo hints = {.ai_flags = AI_NUMERICHOST, .ai_family = AF_UNSPEC};
    struct addrinfo *ai = NULL;
    if (address_len >= sizeof address - 1 || getaddrinfo(address, NULL, &hints, &ai) != 0 || !ai) {
      char what[sizeof address + 64];
      snprintf(what, sizeof what, "bindAddress '%s' is not a numeric IPv4 or IPv6 address", address);
      bench_range_error(env, fn, what);
      return NULL;
    }
    memcpy(&bind_sa, ai->ai_addr, ai->ai_addrlen);
    bind_len = ai->ai_addrlen;
    freeaddrinfo(ai);
  }
  opts.dscp = (int)dscp;
  opts.mss = (int)mss;
  opts.window = (int)window;
  memcpy(opts.congestion, congestion, congestion_len + 1);
  opts.has_bind = address_len > 0;
  if (opts.has_bind) {
    opts.bind = bind_sa;
    opts.bind_len = bind_len;
  }
  opts.failed = "";
  return bench_int(env, BENCH_OK);
}

/* failedSocketOption() -> the option the last failed open was setting ('dscp', 'mss', 'bind', ...; '' none). */
static napi_value failed_socket_option(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value v;
  if (napi_create_string_utf8(env, opts.failed ? opts.failed : "", NAPI_AUTO_LENGTH, &v) != napi_ok) {
    napi_throw_error(env, NULL, "failedSocketOption: cannot create a string (Node-API failed)");
    return NULL;
  }
  return v;
}

/*
 * tcpInfo(fd, out) -> status
 * One getsockopt(TCP_INFO): out[0] segments retransmitted over the
 * connection's life (tcpi_total_retrans), out[1] smoothed RTT and out[2] its
 * variation, µs, out[3] congestion window in segments, out[4] sending MSS,
 * out[5] receiving MSS (the largest segment seen, up to what this end
 * advertised), out[6] path MTU, out[7] SO_SNDBUF and out[8] SO_RCVBUF as
 * granted. -EOPNOTSUPP where the OS has no TCP_INFO of Linux's layout.
 */
static napi_value tcp_info(napi_env env, napi_callback_info info) {
  static const char fn[] = "tcpInfo";
  napi_value argv[2];
  int fd;
  double *out;
  size_t out_len;
  if (!bench_args(env, info, 2, argv, fn) || !bench_arg_fd(env, argv[0], fn, &fd) || !bench_arg_f64(env, argv[1], fn, "out", &out, &out_len)) {
    return NULL;
  }
  if (out_len < BENCH_TCP_INFO_SLOTS) {
    bench_range_error(env, fn, "out must hold at least 9 numbers");
    return NULL;
  }
#ifdef __linux__
  struct tcp_info ti;
  memset(&ti, 0, sizeof ti);
  socklen_t len = sizeof ti;
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0) return bench_int(env, -errno);
  /* An older kernel fills less: tcpi_total_retrans is the last field read here. */
  if (len < offsetof(struct tcp_info, tcpi_total_retrans) + sizeof ti.tcpi_total_retrans) return bench_int(env, -EOPNOTSUPP);
  int sndbuf = 0, rcvbuf = 0;
  socklen_t int_len = sizeof sndbuf;
  if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &int_len) < 0) return bench_int(env, -errno);
  int_len = sizeof rcvbuf;
  if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &int_len) < 0) return bench_int(env, -errno);
  out[0] = ti.tcpi_total_retrans;
  out[1] = ti.tcpi_rtt;
  out[2] = ti.tcpi_rttvar;
  out[3] = ti.tcpi_snd_cwnd;
  out[4] = ti.tcpi_snd_mss;
  out[5] = ti.tcpi_rcv_mss;
  out[6] = ti.tcpi_pmtu;
  out[7] = sndbuf;
  out[8] = rcvbuf;
  return bench_int(env, BENCH_OK);
#else
  (void)fd;
  (void)out;
  return bench_int(env, -EOPNOTSUPP);
#endif
}

/* tcpCongestion(fd) -> the congestion control in use ('cubic'), or -errno */
static napi_value tcp_congestion(napi_env env, napi_callback_info info) {
  static const char fn[] = "tcpCongestion";
  napi_value argv[1];
  int fd;
  if (!bench_args(env, info, 1, argv, fn) || !bench_arg_fd(env, argv[0], fn, &fd)) return NULL;
#ifdef TCP_CONGESTION
  char name[BENCH_CONGESTION_MAX + 1];
  memset(name, 0, sizeof name);
  socklen_t len = BENCH_CONGESTION_MAX;
  if (getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name, &len) < 0) return bench_int(env, -errno);
  napi_value v;
  if (napi_create_string_utf8(env, name, strnlen(name, BENCH_CONGESTION_MAX), &v) != napi_ok) {
    napi_throw_error(env, NULL, "tcpCongestion: cannot create a string (Node-API failed)");
    return NULL;
  }
  return v;
#else
  (void)fd;
  return bench_int(env, -EOPNOTSUPP);
#endif
}

int register_tcp_info(napi_env env, napi_value exports) {
  return bench_export(env, exports, "setSocketOptions", set_socket_options) &&
         bench_export(env, exports, "failedSocketOption", failed_socket_option) && bench_export(env, exports, "tcpInfo", tcp_info) &&
         bench_export(env, exports, "tcpCongestion", tcp_congestion);
}
