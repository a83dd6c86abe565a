/* ppoll is a GNU extension in glibc. */
#define _GNU_SOURCE
#include "bench-io.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>

int bench_args(napi_env env, napi_callback_info info, size_t argc, napi_value *argv, const char *fn) {
  size_t got = argc;
  if (napi_get_cb_info(env, info, &got, argv, NULL, NULL) != napi_ok) return 0;
  if (got < argc) {
    char msg[128];
    snprintf(msg, sizeof msg, "%s: expected %zu arguments, got %zu", fn, argc, got);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  return 1;
}

static int wrong(napi_env env, const char *name, const char *what) {
  char msg[128];
  snprintf(msg, sizeof msg, "%s must be %s", name, what);
  napi_throw_type_error(env, NULL, msg);
  return 0;
}

int bench_arg_int(napi_env env, napi_value v, const char *name, int64_t *out) {
  if (napi_get_value_int64(env, v, out) != napi_ok) return wrong(env, name, "a number");
  return 1;
}

int bench_arg_double(napi_env env, napi_value v, const char *name, double *out) {
  if (napi_get_value_double(env, v, out) != napi_ok) return wrong(env, name, "a number");
  return 1;
}

int bench_arg_buffer(napi_env env, napi_value v, const char *name, uint8_t **data, size_t *len) {
  bool is = false;
  if (napi_is_buffer(env, v, &is) != napi_ok || !is) return wrong(env, name, "a Buffer");
  if (napi_get_buffer_info(env, v, (void **)data, len) != napi_ok) return wrong(env, name, "a Buffer");
  return 1;
}

int bench_arg_f64(napi_env env, napi_value v, const char *name, double **data, size_t *len) {
  bool is = false;
  napi_typedarray_type type;
  napi_value ab;
  size_t offset;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return wrong(env, name, "a Float64Array");
  if (napi_get_typedarray_info(env, v, &type, len, (void **)data, &ab, &offset) != napi_ok || type != napi_float64_array) {
    return wrong(env, name, "a Float64Array");
  }
  return 1;
}

napi_value bench_int(napi_env env, int64_t value) {
  napi_value v;
  napi_create_int64(env, value, &v);
  return v;
}

void bench_export(napi_env env, napi_value exports, const char *name, napi_callback fn) {
  napi_value f;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, NULL, &f);
  napi_set_named_property(env, exports, name, f);
}

int bench_wait(int fd, short events, int64_t deadline_ns) {
  for (;;) {
    int64_t left_ns = deadline_ns - bench_now_ns();
    if (left_ns <= 0) return 0;
    struct pollfd p = {.fd = fd, .events = events};
    /* ppoll's nanoseconds: poll's milliseconds would turn a 1 ms retransmission timeout into 2. */
    struct timespec ts = {.tv_sec = left_ns / 1000000000LL, .tv_nsec = left_ns % 1000000000LL};
    int r = ppoll(&p, 1, &ts, NULL);
    if (r > 0) return 1;
    if (r == 0) return 0;
    if (errno != EINTR) return -errno;
  }
}

/** The monotonic clock the native loops use, in ms: JavaScript takes its offset to performance.now() once. */
static napi_value now_ms(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value v;
  napi_create_double(env, (double)bench_now_ns() / 1e6, &v);
  return v;
}

NAPI_MODULE_INIT() {
  bench_export(env, exports, "nowMs", now_ms);
  register_tcp_stream(env, exports);
  register_udp_stream(env, exports);
  register_tcp_rr(env, exports);
  register_udp_rr(env, exports);
  return exports;
}
