import { FrameTooLargeError } from '../core/errors.js';

/**
 * Length-prefixed frames: a 4-byte big-endian length, then that many bytes.
 * A message longer than one frame (a long run's RESULT: every stream's sample
 * of every interval) travels in several: the top bit of the length says more
 * of the same message follows. Lengths never reach it (a frame is at most
 * maxFrameBytes), so a message in one frame reads as it always has.
 *
 * Pure: bytes in, whole messages out, no socket here. A chunk may hold part of
 * a frame, one, or several; whatever is left waits for the next chunk. A
 * length over the limit is refused as soon as its 4 bytes arrive, before
 * buffering anything the peer claims (as iperf3's JSON_read caps the peer's
 * length); so is a part that takes a message past maxMessageBytes.
 */
export const FRAME_HEADER_BYTES = 4;
/** Set in a frame's length: the message goes on in the next frame. */
const MORE_FOLLOWS = 0x8000_0000;

export class FrameDecoder {
  private readonly maxFrameBytes: number;
  private readonly maxMessageBytes: number;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Length of the frame being read, once its header is complete. */
  private frameLength = -1;
  /** Whether the frame being read is followed by more of its message. */
  private frameContinues = false;
  /** The earlier frames of a message in parts, and their bytes with their headers. */
  private parts: Buffer[] = [];
  private partsBytes = 0;
  /** Whether a frame header has been read yet: only the very first bytes can tell another protocol. */
  private sawHeader = false;

  /** `maxMessageBytes`: how much a message in parts may hold in all; by default one frame's worth. */
  constructor(maxFrameBytes: number, maxMessageBytes = maxFrameBytes) {
    this.maxFrameBytes = maxFrameBytes;
    this.maxMessageBytes = Math.max(maxFrameBytes, maxMessageBytes);
  }

  /** Feeds one chunk; returns the messages it completed, in order. */
  push(chunk: Buffer): Buffer[] {
    const frames: Buffer[] = [];
    if (chunk.length > 0) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
    }
    for (;;) {
      if (this.frameLength < 0) {
        if (this.pendingBytes < FRAME_HEADER_BYTES) break;
        const firstBytes = this.sawHeader ? null : this.peek(FIRST_LINE_SHOWN);
        this.sawHeader = true;
        const header = this.consume(FRAME_HEADER_BYTES).readUInt32BE(0);
        const continues = (header & MORE_FOLLOWS) !== 0;
        const length = continues ? header - MORE_FOLLOWS : header;
        if (length > this.maxFrameBytes) {
          // Printable text read as a length is half a gigabyte or more: always over the limit.
          const foreign = firstBytes ? foreignProtocol(firstBytes) : null;
          if (foreign) throw new FrameTooLargeError(foreign);
          throw new FrameTooLargeError(
            `control frame of ${length} bytes exceeds the limit of ${this.maxFrameBytes} bytes - the peer is not a compatible bench`,
          );
        }
        // What holding this frame would take: a part is held with its header (see below), a last frame without.
        if (this.partsBytes + (continues ? FRAME_HEADER_BYTES : 0) + length > this.maxMessageBytes) {
          throw new FrameTooLargeError(
            `control message in parts exceeds the limit of ${this.maxMessageBytes} bytes - ${
              this.maxMessageBytes > this.maxFrameBytes
                ? 'a run of that many intervals and streams is too large to report: raise interval or shorten duration'
                : 'this end takes messages of one frame only; the peer is not a compatible bench'
            }`,
          );
        }
        this.frameLength = length;
        this.frameContinues = continues;
      }
      if (this.pendingBytes < this.frameLength) break;
      const frame = this.consume(this.frameLength);
      this.frameLength = -1;
      if (this.frameContinues) {
        this.parts.push(frame);
        // Each part's header counts too: endless empty parts must reach the limit as surely as full ones.
        this.partsBytes += FRAME_HEADER_BYTES + frame.length;
        continue;
      }
      if (this.parts.length === 0) {
        frames.push(frame);
      } else {
        frames.push(Buffer.concat([...this.parts, frame]));
        this.parts = [];
        this.partsBytes = 0;
      }
    }
    return frames;
  }

  /** Bytes held for a frame not yet complete, and the earlier parts of a message not yet complete. */
  get bufferedBytes(): number {
    return this.pendingBytes + this.partsBytes;
  }

  /** Up to `n` of the pending bytes, without consuming them. */
  private peek(n: number): Buffer {
    const first = this.pending[0];
    if (first.length >= n || this.pending.length === 1) return first.subarray(0, n);
    return Buffer.concat(this.pending).subarray(0, n);
  }

  private consume(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    const first = this.pending[0];
    if (first.length === n) {
      this.pending.shift();
      this.pendingBytes -= n;
      return first;
    }
    if (first.length > n) {
      this.pending[0] = first.subarray(n);
      this.pendingBytes -= n;
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const head = this.pending[0];
      const take = Math.min(head.length, n - filled);
      head.copy(out, filled, 0, take);
      filled += take;
      if (take === head.length) this.pending.shift();
      else this.pending[0] = head.subarray(take);
    }
    this.pendingBytes -= n;
    return out;
  }
}

/** How much of a foreign peer's first line the error shows. */
const FIRST_LINE_SHOWN = 60;
/** HTTP's response line and its methods, by the 4 bytes that may be all a peer has sent yet. */
const HTTP_START = /^(HTTP|GET |POST|HEAD|PUT |DELE|OPTI|PATC|CONN|TRAC|PRI )/;

/**
 * Another protocol, told from the first bytes a peer sent: any 4 printable
 * ASCII bytes read as a length of half a gigabyte or more, which no bench sends,
 * while text is what web, SSH, mail and most other servers open with.
 */
function foreignProtocol(first: Buffer): string | null {
  for (let i = 0; i < FRAME_HEADER_BYTES; i++) {
    if (first[i] < 0x20 || first[i] > 0x7e) return null;
  }
  // Its first line, printable characters only: the peer chose these bytes, and they reach a terminal.
  let line = '';
  for (const byte of first) {
    if (byte === 0x0d || byte === 0x0a) break;
    line += byte >= 0x20 && byte <= 0x7e ? String.fromCharCode(byte) : '?';
  }
  const text = line.slice(0, 40) + (line.length > 40 ? '...' : '');
  const like = HTTP_START.test(line) ? 'it speaks HTTP' : line.startsWith('SSH-') ? 'it speaks SSH' : 'it sent text';
  return `this is not a bench peer: ${like} (${JSON.stringify(text)}) - check the host and port`;
}

/** One message's frames: one frame, or parts of at most `maxFrameBytes` each where it is longer. */
export function encodeFrame(payload: Buffer, maxFrameBytes = Number.POSITIVE_INFINITY): Buffer {
  const count = Math.max(1, Math.ceil(payload.length / maxFrameBytes));
  const frame = Buffer.allocUnsafe(count * FRAME_HEADER_BYTES + payload.length);
  let at = 0;
  for (let k = 0; k < count; k++) {
    const part = payload.subarray(k * maxFrameBytes, Math.min(payload.length, (k + 1) * maxFrameBytes));
    frame.writeUInt32BE((k < count - 1 ? MORE_FOLLOWS : 0) + part.length, at);
    part.copy(frame, at + FRAME_HEADER_BYTES);
    at += FRAME_HEADER_BYTES + part.length;
  }
  return frame;
}
