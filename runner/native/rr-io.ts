/** The TCP_RR and UDP_RR functions of the native data path (runner/native/src/rr.c). */
export interface NativeRrIo {}
