/* ppoll is a GNU extension in glibc. */
#define _GNU_SOURCE
#include "bench-io.h"
#include "socket-options.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>

/* The largest integer a double holds exactly: beyond it a count or an offset would silently round. */
#define MAX_SAFE_INTEGER 9007199254740991LL

int bench_args(napi_env env, napi_callback_info info, size_t argc, napi_value *argv, const char *fn) {
  size_t got = argc;
  if (napi_get_cb_info(env, info, &got, argv, NULL, NULL) != napi_ok) {
    char msg[128];
    snprintf(msg, sizeof msg, "%s: cannot read its arguments (Node-API failed)", fn);
    napi_throw_error(env, NULL, msg);
    return 0;
  }
  if (got < argc) {
    char msg[128];
    snprintf(msg, sizeof msg, "%s: expected %zu arguments, got %zu", fn, argc, got);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  return 1;
}

static int wrong_type(napi_env env, const char *fn, const char *name, const char *what) {
  char msg[160];
  snprintf(msg, sizeof msg, "%s: %s must be %s", fn, name, what);
  napi_throw_type_error(env, NULL, msg);
  return 0;
}

int bench_range_error(napi_env env, const char *fn, const char *what) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", fn, what);
  napi_throw_range_error(env, NULL, msg);
  return 0;
}

static int read_number(napi_env env, napi_value v, const char *fn, const char *name, double *out) {
  napi_valuetype type;
  if (napi_typeof(env, v, &type) != napi_ok || type != napi_number) return wrong_type(env, fn, name, "a number");
  if (napi_get_value_double(env, v, out) != napi_ok) return wrong_type(env, fn, name, "a number");
  return 1;
}

int bench_arg_double(napi_env env, napi_value v, const char *fn, const char *name, double *out) {
  if (!read_number(env, v, fn, name, out)) return 0;
  if (!isfinite(*out)) {
    char what[128];
    snprintf(what, sizeof what, "%s must be a finite number, got %g", name, *out);
    return bench_range_error(env, fn, what);
  }
  return 1;
}

int bench_arg_int(napi_env env, napi_value v, const char *fn, const char *name, int64_t min, int64_t max, int64_t *out) {
  double d;
  if (!read_number(env, v, fn, name, &d)) return 0;
  /* Checked as a double: napi_get_value_int64 turns NaN into 0 and clamps what is out of range. */
  if (!isfinite(d) || d != floor(d) || d < (double)min || d > (double)max || d > (double)MAX_SAFE_INTEGER) {
    char what[160];
    snprintf(what, sizeof what, "%s must be an integer from %lld to %lld, got %g", name, (long long)min, (long long)max, d);
    return bench_range_error(env, fn, what);
  }
  *out = (int64_t)d;
  return 1;
}

int bench_arg_slice(napi_env env, napi_value v, const char *fn, const char *name, int64_t *ns) {
  double ms;
  if (!read_number(env, v, fn, name, &ms)) return 0;
  if (!isfinite(ms) || ms < 0 || ms > BENCH_MAX_SLICE_MS) {
    char what[128];
    snprintf(what, sizeof what, "%s must be from 0 to %g ms, got %g", name, BENCH_MAX_SLICE_MS, ms);
    return bench_range_error(env, fn, what);
  }
  *ns = (int64_t)(ms * 1e6);
  return 1;
}

int bench_arg_buffer(napi_env env, napi_value v, const char *fn, const char *name, uint8_t **data, size_t *len) {
  bool is = false;
  if (napi_is_buffer(env, v, &is) != napi_ok || !is) return wrong_type(env, fn, name, "a Buffer");
  if (napi_get_buffer_info(env, v, (void **)data, len) != napi_ok) return wrong_type(env, fn, name, "a Buffer");
  return 1;
}

int bench_arg_f64(napi_env env, napi_value v, const char *fn, const char *name, double **data, size_t *len) {
  bool is = false;
  napi_typedarray_type type;
  napi_value ab;
  size_t offset;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return wrong_type(env, fn, name, "a Float64Array");
  if (napi_get_typedarray_info(env, v, &type, len, (void **)data, &ab, &offset) != napi_ok || type != napi_float64_array) {
    return wrong_type(env, fn, name, "a Float64Array");
  }
  return 1;
}

int bench_check_slot(napi_env env, const char *fn, const double *state, int slot, const char *what, double min, double max, int integral) {
  double v = state[slot];
  if (isfinite(v) && v >= min && v <= max && (!integral || v == floor(v))) return 1;
  char msg[200];
  snprintf(msg, sizeof msg, "state[%d] (%s) is %g, outside %g..%g%s - was the state array shared or written to?", slot, what, v, min, max,
           integral ? " or not whole" : "");
  return bench_range_error(env, fn, msg);
}

napi_value bench_int(napi_env env, int64_t value) {
  napi_value v;
  if (napi_create_int64(env, value, &v) != napi_ok) {
    napi_throw_error(env, NULL, "bench native data path: cannot create a number for a status (Node-API failed)");
    return NULL;
  }
  return v;
}

int bench_export(napi_env env, napi_value exports, const char *name, napi_callback fn) {
  napi_value f;
  if (napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, NULL, &f) != napi_ok || napi_set_named_property(env, exports, name, f) != napi_ok) {
    char msg[128];
    snprintf(msg, sizeof msg, "bench native data path: cannot export %s (Node-API failed)", name);
    napi_throw_error(env, NULL, msg);
    return 0;
  }
  return 1;
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

/* How long a sender backs off when the device queue is full (ENOBUFS). */
#define NOBUFS_BACKOFF_NS 50000

int bench_nobufs_backoff(int64_t deadline_ns) {
  int64_t left_ns = deadline_ns - bench_now_ns();
  if (left_ns <= 0) return 0;
  int64_t ns = left_ns < NOBUFS_BACKOFF_NS ? left_ns : NOBUFS_BACKOFF_NS;
  struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)ns};
  nanosleep(&ts, NULL);
  return 1;
}

/** The monotonic clock the native loops use, in ms: JavaScript takes its offset to performance.now() once. */
static napi_value now_ms(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value v;
  if (napi_create_double(env, (double)bench_now_ns() / 1e6, &v) != napi_ok) {
    napi_throw_error(env, NULL, "nowMs: cannot create a number (Node-API failed)");
    return NULL;
  }
  return v;
}

NAPI_MODULE_INIT() {
  /* Each step throws on failure; a module that returns NULL with the exception pending fails to load, with it. */
  if (!bench_export(env, exports, "nowMs", now_ms) || !register_sockets(env, exports) || !register_tcp_stream(env, exports) ||
      !register_udp_stream(env, exports) || !register_tcp_rr(env, exports) || !register_udp_rr(env, exports) ||
      !register_tcp_crr(env, exports) || !register_probe(env, exports) || !register_tcp_info(env, exports)) {
    return NULL;
  }
  return exports;
}
