/*
 * bench's native data path: the socket loops of the hot path, in C, called
 * from a data worker thread in slices of a few milliseconds. Each call moves
 * as many bytes as the socket takes within its slice and returns to
 * JavaScript, which keeps the clock, the intervals and the control messages.
 * No allocation and no JavaScript runs per packet.
 *
 * The sockets are this library's own (sockets.c): opened, handshaken and
 * closed here, never a descriptor that Node's event loop owns. They stay in
 * blocking mode; every call that must not wait passes MSG_DONTWAIT, and the
 * RR loops' blocking receives are bounded by SO_RCVTIMEO (rr.h).
 *
 * Calling convention shared by every function: it returns a status, one of
 * BENCH_OK, BENCH_EOF or a negative errno, and writes its figures into a
 * Float64Array `out` given by the caller (cumulative where the doc says so).
 * Every argument is checked before use: a wrong one throws a TypeError or a
 * RangeError naming the function and the argument, and nothing runs.
 */
#ifndef BENCH_IO_H
#define BENCH_IO_H

#define NAPI_VERSION 8
#include <node_api.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#define BENCH_OK 0
/** The peer closed its end (a read returned 0). */
#define BENCH_EOF 1

/** The longest slice a call accepts, ms: longer would hold a data thread past its interval timer. */
#define BENCH_MAX_SLICE_MS 10000.0

static inline int64_t bench_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * Argument readers: each throws (a TypeError for a wrong type, a RangeError
 * for a value outside its bounds) naming the function and the argument, and
 * returns 0 when it is wrong.
 */
/** An integral number within [min, max]: NaN, Infinity and fractions are refused. */
int bench_arg_int(napi_env env, napi_value v, const char *fn, const char *name, int64_t min, int64_t max, int64_t *out);
/** A finite number. */
int bench_arg_double(napi_env env, napi_value v, const char *fn, const char *name, double *out);
/** A slice length in ms, finite, within [0, BENCH_MAX_SLICE_MS], as ns. */
int bench_arg_slice(napi_env env, napi_value v, const char *fn, const char *name, int64_t *ns);
/** A descriptor this library opened and has not closed (sockets.c). */
int bench_arg_fd(napi_env env, napi_value v, const char *fn, int *fd);
int bench_arg_buffer(napi_env env, napi_value v, const char *fn, const char *name, uint8_t **data, size_t *len);
int bench_arg_f64(napi_env env, napi_value v, const char *fn, const char *name, double **data, size_t *len);
/** Throws a RangeError "fn: what" and returns 0. */
int bench_range_error(napi_env env, const char *fn, const char *what);
/** Checks a state slot carried over from the previous call: finite, integral when asked, within [min, max]. */
int bench_check_slot(napi_env env, const char *fn, const double *state, int slot, const char *what, double min, double max, int integral);
/** The status as a JavaScript number; NULL (with an exception pending) when Node-API fails. */
napi_value bench_int(napi_env env, int64_t value);
/** Registers fn as exports[name]; 0 (with an exception pending) when Node-API fails. */
int bench_export(napi_env env, napi_value exports, const char *name, napi_callback fn);
/** Reads exactly argc arguments, throwing when fewer were given. */
int bench_args(napi_env env, napi_callback_info info, size_t argc, napi_value *argv, const char *fn);

/** Wait for the socket to be readable (POLLIN) or writable (POLLOUT) until deadline_ns; 1 ready, 0 timed out, -errno. */
int bench_wait(int fd, short events, int64_t deadline_ns);
/**
 * Sleeps a short back-off after ENOBUFS (the device queue is full): polling
 * for writability returns at once on a UDP socket, so a loop that polled
 * would spin. 0 when the deadline has passed, else 1.
 */
int bench_nobufs_backoff(int64_t deadline_ns);

/*
 * For a loop that opens and closes its own connections (tcp-crr.c): each
 * descriptor is recorded as the library's own, so it is closed with the
 * thread's environment and a number carried in a state slot can be checked.
 */
/** Records fd as ours: fd, or -EMFILE (and fd closed) when the table is full. */
int bench_own_fd(napi_env env, int fd);
/** 1 when fd is one of ours and open. */
int bench_is_owned(napi_env env, int fd);
/** Closes one of ours: BENCH_OK or -errno. */
int bench_close_fd(napi_env env, int fd);
/** A numeric IPv4 or IPv6 address and a port into `sa`; 0 with a RangeError or TypeError pending. */
int bench_arg_address(napi_env env, napi_value v, const char *fn, int64_t port, struct sockaddr_storage *sa, socklen_t *len);

int register_sockets(napi_env env, napi_value exports);
int register_tcp_crr(napi_env env, napi_value exports);
int register_tcp_stream(napi_env env, napi_value exports);
int register_udp_stream(napi_env env, napi_value exports);
int register_tcp_rr(napi_env env, napi_value exports);
int register_udp_rr(napi_env env, napi_value exports);
int register_probe(napi_env env, napi_value exports);

#endif
