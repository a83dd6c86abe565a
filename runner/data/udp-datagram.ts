/**
 * Layouts of our UDP datagrams.
 *
 * Stream datagram: [0..3] sequence high 32 bits, [4..7] low 32 bits,
 * [8..15] sender's monotonic clock in ms (float64), then padding. A sequence
 * never reaches 2^32 * 2^32, so a first word of 0xFFFFFFFF marks a handshake
 * datagram instead, and a late handshake retransmit is never counted as data.
 *
 * Handshake datagram: [0..3] 0xFFFFFFFF, [4] kind, [5..20] cookie (16 bytes).
 */
export const HANDSHAKE_MAGIC = 0xffffffff;
export const HANDSHAKE_HELLO = 1;
export const HANDSHAKE_ACK = 2;
export const COOKIE_BYTES = 16;
export const HANDSHAKE_BYTES = 5 + COOKIE_BYTES;
export const STREAM_HEADER_BYTES = 16;

export function writeHandshake(kind: number, cookie: Buffer): Buffer {
  const b = Buffer.alloc(HANDSHAKE_BYTES);
  b.writeUInt32BE(HANDSHAKE_MAGIC, 0);
  b.writeUInt8(kind, 4);
  cookie.copy(b, 5);
  return b;
}

/** The handshake kind when `msg` is a handshake carrying `cookie`, otherwise 0. */
export function readHandshake(msg: Buffer, cookie: Buffer): number {
  if (msg.length !== HANDSHAKE_BYTES || msg.readUInt32BE(0) !== HANDSHAKE_MAGIC) return 0;
  return msg.subarray(5).equals(cookie) ? msg[4] : 0;
}

export function isHandshake(msg: Buffer): boolean {
  return msg.length === HANDSHAKE_BYTES && msg.readUInt32BE(0) === HANDSHAKE_MAGIC;
}

export function writeStreamHeader(b: Buffer, seq: number, sentAtMs: number): void {
  b.writeUInt32BE(Math.floor(seq / 0x100000000), 0);
  b.writeUInt32BE(seq >>> 0, 4);
  b.writeDoubleBE(sentAtMs, 8);
}

export function readSequence(b: Buffer): number {
  return b.readUInt32BE(0) * 0x100000000 + b.readUInt32BE(4);
}

export function readSentAt(b: Buffer): number {
  return b.readDoubleBE(8);
}

/**
 * RR datagrams carry the request's sequence number in their first bytes,
 * as wide as the smaller of the two messages allows (up to 4 bytes): with
 * 1-byte messages that is the sequence modulo 256.
 */
export function rrSequenceWidth(requestBytes: number, responseBytes: number): number {
  return Math.max(1, Math.min(4, requestBytes, responseBytes));
}

export function writeRrSequence(b: Buffer, seq: number, width: number): void {
  b.writeUIntBE(seq % 2 ** (8 * width), 0, width);
}

export function readRrSequence(b: Buffer, width: number): number {
  return b.length >= width ? b.readUIntBE(0, width) : -1;
}
