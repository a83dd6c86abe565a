/*
 * The socket options of a run (tcp-info.c), applied by sockets.c to each
 * data socket it opens. Kept per data thread: setSocketOptions sets them
 * before the thread opens its socket.
 */
#ifndef BENCH_SOCKET_OPTIONS_H
#define BENCH_SOCKET_OPTIONS_H

#include "bench-io.h"

/* The kernel's TCP_CA_NAME_MAX, with its terminating zero. */
#define BENCH_CONGESTION_MAX 16
/* tcpInfo's out slots. */
#define BENCH_TCP_INFO_SLOTS 9

/** Applies dscp and window (any socket) and mss and congestion (TCP) to a fresh socket: 0, or -errno. */
int bench_apply_socket_options(int fd, int family, int tcp);
/** Binds a client's fresh socket to the bind address, when one was given: 0, or -errno. */
int bench_bind_local(int fd, int family);

int register_tcp_info(napi_env env, napi_value exports);

#endif
