#include "bench-io.h"

void register_rr(napi_env env, napi_value exports) {
  (void)env;
  (void)exports;
}
