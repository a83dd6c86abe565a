#include "bench-io.h"

void register_udp_stream(napi_env env, napi_value exports) {
  (void)env;
  (void)exports;
}
