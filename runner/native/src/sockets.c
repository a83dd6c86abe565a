/*
 * The native data path's own sockets: opened, configured, handshaken and
 * closed here, so the loops never touch a descriptor that Node's event loop
 * owns. Each call is short (a connect or an accept waits at most one slice),
 * and JavaScript keeps the timeouts and the protocol's logic: which cookie,
 * which hello (runner/data/native-socket.ts).
 *
 * Every descriptor opened here is recorded for its Node-API environment (one
 * per data worker thread): the loops take only such a descriptor, so a stale
 * or foreign number is refused, and whatever is still open when the thread's
 * environment is torn down (a worker terminated) is closed then.
 *
 * Data sockets stay in blocking mode (bench-io.h); only a listening socket
 * and a connect in progress are non-blocking.
 */
#define _GNU_SOURCE
#include "bench-io.h"
#include "socket-options.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A data worker holds one data socket, a listening one, and a few connections still to present their cookie. */
#define MAX_OWNED 64
/* As the JavaScript path's dgram sockets (udp-data-connection.ts). */
#define UDP_BUFFER_BYTES (4 * 1024 * 1024)
#define LISTEN_BACKLOG 16

typedef struct {
  int count;
  int fds[MAX_OWNED];
} owned_t;

static owned_t *owned_of(napi_env env) {
  void *data = NULL;
  if (napi_get_instance_data(env, &data) != napi_ok) return NULL;
  return data;
}

static void owned_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  owned_t *o = data;
  for (int i = 0; i < o->count; i++) close(o->fds[i]);
  free(o);
}

/* Records fd as ours; without room it is closed and -EMFILE returned. */
static int own(napi_env env, int fd) {
  owned_t *o = owned_of(env);
  if (!o || o->count >= MAX_OWNED) {
    close(fd);
    return -EMFILE;
  }
  o->fds[o->count++] = fd;
  return fd;
}

static int owned_index(napi_env env, int fd) {
  owned_t *o = owned_of(env);
  if (!o) return -1;
  for (int i = 0; i < o->count; i++) {
    if (o->fds[i] == fd) return i;
  }
  return -1;
}

int bench_arg_fd(napi_env env, napi_value v, const char *fn, int *fd) {
  int64_t n;
  if (!bench_arg_int(env, v, fn, "fd", 0, 0x7fffffff, &n)) return 0;
  if (owned_index(env, (int)n) < 0) {
    char what[128];
    snprintf(what, sizeof what, "fd %lld is not an open socket of the native data path", (long long)n);
    return bench_range_error(env, fn, what);
  }
  *fd = (int)n;
  return 1;
}

/* Reads a numeric address (IPv4, IPv6, with a zone) and a port into `sa`; 0, or a RangeError. */
static int arg_address(napi_env env, napi_value v, const char *fn, int64_t port, struct sockaddr_storage *sa, socklen_t *len) {
  char text[INET6_ADDRSTRLEN + 32];
  size_t got = 0;
  if (napi_get_value_string_utf8(env, v, text, sizeof text, &got) != napi_ok) {
    char msg[96];
    snprintf(msg, sizeof msg, "%s: address must be a string", fn);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  struct addrinfo hints = {.ai_flags = AI_NUMERICHOST, .ai_family = AF_UNSPEC};
  struct addrinfo *ai = NULL;
  if (got >= sizeof text - 1 || getaddrinfo(text, NULL, &hints, &ai) != 0 || !ai) {
    char what[sizeof text + 64];
    snprintf(what, sizeof what, "address '%s' is not a numeric IPv4 or IPv6 address", text);
    return bench_range_error(env, fn, what);
  }
  memcpy(sa, ai->ai_addr, ai->ai_addrlen);
  *len = ai->ai_addrlen;
  freeaddrinfo(ai);
  if (sa->ss_family == AF_INET) ((struct sockaddr_in *)sa)->sin_port = htons((uint16_t)port);
  else ((struct sockaddr_in6 *)sa)->sin6_port = htons((uint16_t)port);
  return 1;
}

static int set_int_opt(int fd, int level, int name, int value) {
  return setsockopt(fd, level, name, &value, sizeof value) < 0 ? -errno : 0;
}

static int fail_closed(napi_env env, int fd, int status);

/* A new socket of sa's family, recorded as ours, with the run's options; the descriptor, or -errno. */
static int open_socket(napi_env env, const struct sockaddr_storage *sa, int type) {
  int fd = socket(sa->ss_family, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  fd = own(env, fd);
  /* A TCP socket takes the run's options before it connects or listens; UDP's come after its buffer sizes (open_udp). */
  int r = fd >= 0 && (type & 0xf) == SOCK_STREAM ? bench_apply_socket_options(fd, sa->ss_family, 1) : 0;
  return r < 0 ? fail_closed(env, fd, r) : fd;
}

static int close_owned(napi_env env, int fd) {
  owned_t *o = owned_of(env);
  int i = owned_index(env, fd);
  if (!o || i < 0) return -EBADF;
  o->fds[i] = o->fds[--o->count];
  return close(fd) < 0 && errno != EINTR ? -errno : BENCH_OK;
}

/* Closes fd and returns the status given: for a failure after the socket was opened. */
static int fail_closed(napi_env env, int fd, int status) {
  close_owned(env, fd);
  return status;
}

/*
 * tcpListen(address) -> fd or -errno
 * A listening TCP socket on address, any free port (localPort says which).
 */
static napi_value tcp_listen(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  struct sockaddr_storage sa;
  socklen_t len;
  if (!bench_args(env, info, 1, argv, "tcpListen") || !arg_address(env, argv[0], "tcpListen", 0, &sa, &len)) return NULL;
  int fd = open_socket(env, &sa, SOCK_STREAM | SOCK_NONBLOCK);
  if (fd < 0) return bench_int(env, fd);
  int r = set_int_opt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
  if (r == 0 && bind(fd, (struct sockaddr *)&sa, len) < 0) r = -errno;
  if (r == 0 && listen(fd, LISTEN_BACKLOG) < 0) r = -errno;
  return bench_int(env, r < 0 ? fail_closed(env, fd, r) : fd);
}

/* A data connection's settings: blocking, no Nagle delay (requests and responses go out at once). */
static int configure_tcp(int fd) {
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) return -errno;
  return set_int_opt(fd, IPPROTO_TCP, TCP_NODELAY, 1);
}

/*
 * tcpAccept(listenFd, sliceMs) -> fd, -EAGAIN (none within the slice) or -errno
 * Takes one connection, waiting up to sliceMs for it.
 */
static napi_value tcp_accept(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int lfd;
  int64_t slice;
  if (!bench_args(env, info, 2, argv, "tcpAccept") || !bench_arg_fd(env, argv[0], "tcpAccept", &lfd) ||
      !bench_arg_slice(env, argv[1], "tcpAccept", "sliceMs", &slice)) {
    return NULL;
  }
  int64_t deadline = bench_now_ns() + slice;
  for (;;) {
    int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (fd >= 0) {
      fd = own(env, fd);
      if (fd < 0) return bench_int(env, fd);
      struct sockaddr_storage local;
      socklen_t local_len = sizeof local;
      /* Most options pass from the listening socket to the accepted one; set again so none depends on that. */
      int r = getsockname(fd, (struct sockaddr *)&local, &local_len) < 0 ? -errno : bench_apply_socket_options(fd, local.ss_family, 1);
      if (r == 0) r = configure_tcp(fd);
      return bench_int(env, r < 0 ? fail_closed(env, fd, r) : fd);
    }
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return bench_int(env, -errno);
    int w = bench_wait(lfd, POLLIN, deadline);
    if (w == 0) return bench_int(env, -EAGAIN);
    if (w < 0) return bench_int(env, w);
  }
}

/*
 * tcpConnect(address, port) -> fd or -errno
 * Starts a connection; tcpConnected says when it is made.
 */
static napi_value tcp_connect(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int64_t port;
  struct sockaddr_storage sa;
  socklen_t len;
  if (!bench_args(env, info, 2, argv, "tcpConnect") || !bench_arg_int(env, argv[1], "tcpConnect", "port", 1, 65535, &port) ||
      !arg_address(env, argv[0], "tcpConnect", port, &sa, &len)) {
    return NULL;
  }
  int fd = open_socket(env, &sa, SOCK_STREAM | SOCK_NONBLOCK);
  if (fd < 0) return bench_int(env, fd);
  int r = bench_bind_local(fd, sa.ss_family);
  while (r == 0 && connect(fd, (struct sockaddr *)&sa, len) < 0) {
    if (errno == EINTR) continue;
    if (errno != EINPROGRESS) r = -errno;
    break;
  }
  return bench_int(env, r < 0 ? fail_closed(env, fd, r) : fd);
}

/*
 * tcpConnected(fd, sliceMs) -> 1 connected, 0 not yet, or -errno (it failed)
 * Waits up to sliceMs for a connection tcpConnect started; once made, the
 * socket is set up as a data connection (blocking, TCP_NODELAY).
 */
static napi_value tcp_connected(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int fd;
  int64_t slice;
  if (!bench_args(env, info, 2, argv, "tcpConnected") || !bench_arg_fd(env, argv[0], "tcpConnected", &fd) ||
      !bench_arg_slice(env, argv[1], "tcpConnected", "sliceMs", &slice)) {
    return NULL;
  }
  int w = bench_wait(fd, POLLOUT, bench_now_ns() + slice);
  if (w <= 0) return bench_int(env, w);
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) return bench_int(env, -errno);
  if (err != 0) return bench_int(env, -err);
  int r = configure_tcp(fd);
  return bench_int(env, r < 0 ? r : 1);
}

/* A UDP data socket: Node's buffer sizes on the JavaScript path, so both paths queue alike. */
static int open_udp(napi_env env, const struct sockaddr_storage *sa) {
  int fd = open_socket(env, sa, SOCK_DGRAM);
  if (fd < 0) return fd;
  int r = set_int_opt(fd, SOL_SOCKET, SO_RCVBUF, UDP_BUFFER_BYTES);
  if (r == 0) r = set_int_opt(fd, SOL_SOCKET, SO_SNDBUF, UDP_BUFFER_BYTES);
  if (r == 0) r = bench_apply_socket_options(fd, sa->ss_family, 0);
  return r < 0 ? fail_closed(env, fd, r) : fd;
}

/*
 * udpBind(address) -> fd or -errno
 * A UDP socket bound to address, any free port: the server's end, until a
 * hello connects it (udpAwaitHello).
 */
static napi_value udp_bind(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  struct sockaddr_storage sa;
  socklen_t len;
  if (!bench_args(env, info, 1, argv, "udpBind") || !arg_address(env, argv[0], "udpBind", 0, &sa, &len)) return NULL;
  int fd = open_udp(env, &sa);
  if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, len) < 0) fd = fail_closed(env, fd, -errno);
  return bench_int(env, fd);
}

/*
 * udpBindShared(address, port) -> fd or -errno
 * A UDP socket on the server's one port, shared (SO_REUSEADDR, SO_REUSEPORT)
 * with the streams already connected there: once udpAwaitHello connects it,
 * the kernel gives it only its own client's datagrams (a connected socket's
 * exact 4-tuple wins over the group's unconnected ones), and the next
 * stream's socket can take the port.
 */
static napi_value udp_bind_shared(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int64_t port;
  struct sockaddr_storage sa;
  socklen_t len;
  if (!bench_args(env, info, 2, argv, "udpBindShared") || !bench_arg_int(env, argv[1], "udpBindShared", "port", 1, 65535, &port) ||
      !arg_address(env, argv[0], "udpBindShared", port, &sa, &len)) {
    return NULL;
  }
  int fd = open_udp(env, &sa);
  if (fd < 0) return bench_int(env, fd);
  int r = set_int_opt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
  if (r == 0) r = set_int_opt(fd, SOL_SOCKET, SO_REUSEPORT, 1);
  if (r == 0 && bind(fd, (struct sockaddr *)&sa, len) < 0) r = -errno;
  return bench_int(env, r < 0 ? fail_closed(env, fd, r) : fd);
}

/* The address and port of sa, for comparing: IPv4 as it is, IPv6 by its 16 bytes (a scope is not compared). */
static int same_endpoint(const struct sockaddr_storage *a, const struct sockaddr_storage *b) {
  if (a->ss_family != b->ss_family) return 0;
  if (a->ss_family == AF_INET) {
    const struct sockaddr_in *x = (const struct sockaddr_in *)a, *y = (const struct sockaddr_in *)b;
    return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
  }
  if (a->ss_family == AF_INET6) {
    const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a, *y = (const struct sockaddr_in6 *)b;
    return x->sin6_port == y->sin6_port && memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) == 0;
  }
  return 0;
}

/* Whether fd is a connected TCP socket with exactly this local and remote end. */
static int is_connection(int fd, const struct sockaddr_storage *local, const struct sockaddr_storage *remote) {
  int type = 0;
  socklen_t type_len = sizeof type;
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &type_len) < 0 || type != SOCK_STREAM) return 0;
  struct sockaddr_storage sa;
  socklen_t len = sizeof sa;
  if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0 || !same_endpoint(&sa, local)) return 0;
  len = sizeof sa;
  return getpeername(fd, (struct sockaddr *)&sa, &len) == 0 && same_endpoint(&sa, remote);
}

/*
 * tcpAdopt(localAddress, localPort, remoteAddress, remotePort) -> fd or -errno (-ENOENT: no such connection)
 * A duplicate of the process's descriptor for the TCP connection with this
 * 4-tuple: a data connection the main thread's control listener accepted on
 * the one port. Every thread shares the process's descriptor table, so the
 * connection is found by its ends, without a private Node handle; the main
 * thread then closes its own descriptor, and this one is the connection's
 * only owner. Its flags are left as they are until tcpConfigure, after the
 * main thread let go: O_NONBLOCK belongs to the connection, not to one
 * descriptor, and Node's event loop must not find its descriptor blocking.
 */
static napi_value tcp_adopt(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int64_t local_port, remote_port;
  struct sockaddr_storage local, remote;
  socklen_t local_len, remote_len;
  if (!bench_args(env, info, 4, argv, "tcpAdopt") || !bench_arg_int(env, argv[1], "tcpAdopt", "localPort", 1, 65535, &local_port) ||
      !bench_arg_int(env, argv[3], "tcpAdopt", "remotePort", 1, 65535, &remote_port) ||
      !arg_address(env, argv[0], "tcpAdopt", local_port, &local, &local_len) ||
      !arg_address(env, argv[2], "tcpAdopt", remote_port, &remote, &remote_len)) {
    return NULL;
  }
  DIR *dir = opendir("/proc/self/fd");
  if (!dir) return bench_int(env, -errno);
  int found = -1;
  for (struct dirent *e; found < 0 && (e = readdir(dir)) != NULL;) {
    char *end = NULL;
    long n = strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end != '\0' || n < 0 || n == dirfd(dir)) continue;
    if (is_connection((int)n, &local, &remote)) found = (int)n;
  }
  closedir(dir);
  if (found < 0) return bench_int(env, -ENOENT);
  int fd = fcntl(found, F_DUPFD_CLOEXEC, 0);
  if (fd < 0) return bench_int(env, -errno);
  return bench_int(env, own(env, fd));
}

/*
 * tcpConfigure(fd) -> status
 * Sets up an adopted connection as the loops want it: blocking, TCP_NODELAY,
 * and the run's socket options.
 */
static napi_value tcp_configure(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int fd;
  if (!bench_args(env, info, 1, argv, "tcpConfigure") || !bench_arg_fd(env, argv[0], "tcpConfigure", &fd)) return NULL;
  int r = configure_tcp(fd);
  /* The run's options (dscp, window, congestion; mss is the client's SYN's to set) on a connection the control
     listener accepted: a socket opened here has them before it connects, an adopted one only now. */
  struct sockaddr_storage local;
  socklen_t local_len = sizeof local;
  if (r == 0) r = getsockname(fd, (struct sockaddr *)&local, &local_len) < 0 ? -errno : bench_apply_socket_options(fd, local.ss_family, 1);
  return bench_int(env, r);
}

/*
 * disownSocket(fd) -> fd
 * Gives a socket opened here to its new owner (Node's net.Socket on the
 * JavaScript data path): it is no longer closed here, and its number is
 * refused by every function from then on.
 */
static napi_value disown_socket(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int fd;
  if (!bench_args(env, info, 1, argv, "disownSocket") || !bench_arg_fd(env, argv[0], "disownSocket", &fd)) return NULL;
  owned_t *o = owned_of(env);
  int i = owned_index(env, fd);
  o->fds[i] = o->fds[--o->count];
  return bench_int(env, fd);
}

/*
 * udpConnect(address, port) -> fd or -errno
 * A UDP socket connected to address:port: the client's end.
 */
static napi_value udp_connect(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int64_t port;
  struct sockaddr_storage sa;
  socklen_t len;
  if (!bench_args(env, info, 2, argv, "udpConnect") || !bench_arg_int(env, argv[1], "udpConnect", "port", 1, 65535, &port) ||
      !arg_address(env, argv[0], "udpConnect", port, &sa, &len)) {
    return NULL;
  }
  int fd = open_udp(env, &sa);
  if (fd >= 0) {
    int r = bench_bind_local(fd, sa.ss_family);
    if (r < 0) fd = fail_closed(env, fd, r);
  }
  if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, len) < 0) fd = fail_closed(env, fd, -errno);
  return bench_int(env, fd);
}

/*
 * udpAwaitHello(fd, hello, ack, sliceMs) -> 1, 0 (no hello within the slice) or -errno
 * Reads datagrams for up to sliceMs; the first equal to `hello` connects the
 * socket to its sender, so the kernel drops datagrams from anyone else, and
 * is answered with `ack`. Other datagrams are dropped.
 */
static napi_value udp_await_hello(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int fd;
  uint8_t *hello, *ack;
  size_t hello_len, ack_len;
  int64_t slice;
  if (!bench_args(env, info, 4, argv, "udpAwaitHello") || !bench_arg_fd(env, argv[0], "udpAwaitHello", &fd) ||
      !bench_arg_buffer(env, argv[1], "udpAwaitHello", "hello", &hello, &hello_len) ||
      !bench_arg_buffer(env, argv[2], "udpAwaitHello", "ack", &ack, &ack_len) ||
      !bench_arg_slice(env, argv[3], "udpAwaitHello", "sliceMs", &slice)) {
    return NULL;
  }
  if (hello_len == 0 || hello_len > 64 || ack_len == 0) {
    bench_range_error(env, "udpAwaitHello", "hello must be 1 to 64 bytes and ack not empty");
    return NULL;
  }
  int64_t deadline = bench_now_ns() + slice;
  uint8_t got[65];
  for (;;) {
    struct sockaddr_storage from;
    socklen_t from_len = sizeof from;
    /* MSG_TRUNC: the real length, so a longer datagram that starts like a hello is not one. */
    ssize_t n = recvfrom(fd, got, sizeof got, MSG_DONTWAIT | MSG_TRUNC, (struct sockaddr *)&from, &from_len);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return bench_int(env, -errno);
      int w = bench_wait(fd, POLLIN, deadline);
      if (w <= 0) return bench_int(env, w);
      continue;
    }
    if ((size_t)n != hello_len || memcmp(got, hello, hello_len) != 0) continue;
    if (connect(fd, (struct sockaddr *)&from, from_len) < 0) return bench_int(env, -errno);
    if (send(fd, ack, ack_len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 && errno != EAGAIN && errno != ENOBUFS) return bench_int(env, -errno);
    return bench_int(env, 1);
  }
}

/*
 * localPort(fd) -> the port the socket is bound to, or -errno
 */
static napi_value local_port(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int fd;
  if (!bench_args(env, info, 1, argv, "localPort") || !bench_arg_fd(env, argv[0], "localPort", &fd)) return NULL;
  struct sockaddr_storage sa;
  socklen_t len = sizeof sa;
  if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0) return bench_int(env, -errno);
  uint16_t port = sa.ss_family == AF_INET ? ((struct sockaddr_in *)&sa)->sin_port : ((struct sockaddr_in6 *)&sa)->sin6_port;
  return bench_int(env, ntohs(port));
}

/*
 * recvSome(fd, buffer, offset, sliceMs) -> bytes read, 0 at the peer's end
 * (TCP), -EAGAIN when nothing came within sliceMs, or -errno
 * One read into buffer[offset..], for handshakes.
 */
static napi_value recv_some(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int fd;
  uint8_t *buf;
  size_t len;
  int64_t offset, slice;
  if (!bench_args(env, info, 4, argv, "recvSome") || !bench_arg_fd(env, argv[0], "recvSome", &fd) ||
      !bench_arg_buffer(env, argv[1], "recvSome", "buffer", &buf, &len) ||
      !bench_arg_int(env, argv[2], "recvSome", "offset", 0, (int64_t)len - 1, &offset) ||
      !bench_arg_slice(env, argv[3], "recvSome", "sliceMs", &slice)) {
    return NULL;
  }
  int64_t deadline = bench_now_ns() + slice;
  for (;;) {
    ssize_t n = recv(fd, buf + offset, len - (size_t)offset, MSG_DONTWAIT);
    if (n >= 0) return bench_int(env, n);
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return bench_int(env, -errno);
    int w = bench_wait(fd, POLLIN, deadline);
    if (w == 0) return bench_int(env, -EAGAIN);
    if (w < 0) return bench_int(env, w);
  }
}

/*
 * sendSome(fd, buffer, offset) -> bytes the kernel took, or -errno (-EAGAIN: none now)
 * One write of buffer[offset..], for handshakes.
 */
static napi_value send_some(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int fd;
  uint8_t *buf;
  size_t len;
  int64_t offset;
  if (!bench_args(env, info, 3, argv, "sendSome") || !bench_arg_fd(env, argv[0], "sendSome", &fd) ||
      !bench_arg_buffer(env, argv[1], "sendSome", "buffer", &buf, &len) ||
      !bench_arg_int(env, argv[2], "sendSome", "offset", 0, (int64_t)len - 1, &offset)) {
    return NULL;
  }
  for (;;) {
    ssize_t n = send(fd, buf + offset, len - (size_t)offset, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n >= 0) return bench_int(env, n);
    if (errno != EINTR) return bench_int(env, -errno);
  }
}

/*
 * shutdownWrite(fd) -> status
 * Ends this side of a TCP connection: the FIN is queued after the bytes already sent.
 */
static napi_value shutdown_write(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int fd;
  if (!bench_args(env, info, 1, argv, "shutdownWrite") || !bench_arg_fd(env, argv[0], "shutdownWrite", &fd)) return NULL;
  return bench_int(env, shutdown(fd, SHUT_WR) < 0 ? -errno : BENCH_OK);
}

/*
 * closeSocket(fd) -> status
 * Closes a socket opened here; its number is refused from then on.
 */
static napi_value close_socket(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int fd;
  if (!bench_args(env, info, 1, argv, "closeSocket") || !bench_arg_fd(env, argv[0], "closeSocket", &fd)) return NULL;
  return bench_int(env, close_owned(env, fd));
}

/* For loops that open and close their own connections (tcp-crr.c): see bench-io.h. */
int bench_own_fd(napi_env env, int fd) {
  return own(env, fd);
}

int bench_is_owned(napi_env env, int fd) {
  return owned_index(env, fd) >= 0;
}

int bench_close_fd(napi_env env, int fd) {
  return close_owned(env, fd);
}

int bench_arg_address(napi_env env, napi_value v, const char *fn, int64_t port, struct sockaddr_storage *sa, socklen_t *len) {
  return arg_address(env, v, fn, port, sa, len);
}

int register_sockets(napi_env env, napi_value exports) {
  owned_t *o = calloc(1, sizeof *o);
  if (!o || napi_set_instance_data(env, o, owned_finalize, NULL) != napi_ok) {
    free(o);
    napi_throw_error(env, NULL, "bench native data path: cannot keep its socket table (out of memory or Node-API failed)");
    return 0;
  }
  return bench_export(env, exports, "tcpListen", tcp_listen) && bench_export(env, exports, "tcpAccept", tcp_accept) &&
         bench_export(env, exports, "tcpConnect", tcp_connect) && bench_export(env, exports, "tcpConnected", tcp_connected) &&
         bench_export(env, exports, "udpBind", udp_bind) && bench_export(env, exports, "udpBindShared", udp_bind_shared) &&
         bench_export(env, exports, "tcpAdopt", tcp_adopt) && bench_export(env, exports, "tcpConfigure", tcp_configure) &&
         bench_export(env, exports, "disownSocket", disown_socket) && bench_export(env, exports, "udpConnect", udp_connect) &&
         bench_export(env, exports, "udpAwaitHello", udp_await_hello) && bench_export(env, exports, "localPort", local_port) &&
         bench_export(env, exports, "recvSome", recv_some) && bench_export(env, exports, "sendSome", send_some) &&
         bench_export(env, exports, "shutdownWrite", shutdown_write) && bench_export(env, exports, "closeSocket", close_socket);
}
