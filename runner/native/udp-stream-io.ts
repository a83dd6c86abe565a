/** The UDP_STREAM functions of the native data path (runner/native/src/udp-stream.c). */
export interface NativeUdpStreamIo {}
