/*
 * bench's native data path: the socket loops of the hot path, in C, called
 * from a data worker thread in slices of a few milliseconds. Each call moves
 * as many bytes as the socket takes within its slice and returns to
 * JavaScript, which keeps the clock, the intervals and the control messages.
 * No allocation and no JavaScript runs per packet.
 *
 * Calling convention shared by every function: it returns a status, one of
 * BENCH_OK, BENCH_EOF or a negative errno, and writes its figures into a
 * Float64Array `out` given by the caller (cumulative where the doc says so).
 */
#ifndef BENCH_IO_H
#define BENCH_IO_H

#define NAPI_VERSION 8
#include <node_api.h>
#include <stdint.h>
#include <time.h>

#define BENCH_OK 0
/** The peer closed its end (a read returned 0). */
#define BENCH_EOF 1

static inline int64_t bench_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/** Argument readers: each throws a TypeError naming the argument and returns 0 when it is wrong. */
int bench_arg_int(napi_env env, napi_value v, const char *name, int64_t *out);
int bench_arg_double(napi_env env, napi_value v, const char *name, double *out);
int bench_arg_buffer(napi_env env, napi_value v, const char *name, uint8_t **data, size_t *len);
int bench_arg_f64(napi_env env, napi_value v, const char *name, double **data, size_t *len);
napi_value bench_int(napi_env env, int64_t value);
void bench_export(napi_env env, napi_value exports, const char *name, napi_callback fn);
/** Reads argc arguments, throwing when fewer were given. */
int bench_args(napi_env env, napi_callback_info info, size_t argc, napi_value *argv, const char *fn);

/** Wait for the socket to be readable (POLLIN) or writable (POLLOUT) until deadline_ns; 1 ready, 0 timed out, -errno. */
int bench_wait(int fd, short events, int64_t deadline_ns);

void register_tcp_stream(napi_env env, napi_value exports);
void register_udp_stream(napi_env env, napi_value exports);
void register_tcp_rr(napi_env env, napi_value exports);
void register_udp_rr(napi_env env, napi_value exports);

#endif
