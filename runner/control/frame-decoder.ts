import { FrameTooLargeError } from '../core/errors.js';

/**
 * Length-prefixed frames: a 4-byte big-endian length, then that many bytes.
 *
 * Pure: bytes in, whole frames out, no socket here. A chunk may hold part of a
 * frame, one, or several; whatever is left waits for the next chunk. A length
 * over the limit is refused as soon as its 4 bytes arrive, before buffering
 * anything the peer claims (as iperf3's JSON_read caps the peer's length).
 */
export const FRAME_HEADER_BYTES = 4;

export class FrameDecoder {
  private readonly maxFrameBytes: number;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Length of the frame being read, once its header is complete. */
  private frameLength = -1;
  /** Whether a frame header has been read yet: only the very first bytes can tell another protocol. */
  private sawHeader = false;

  constructor(maxFrameBytes: number) {
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Feeds one chunk; returns the frames it completed, in order. */
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
        const length = this.consume(FRAME_HEADER_BYTES).readUInt32BE(0);
        if (length > this.maxFrameBytes) {
          const foreign = firstBytes ? foreignProtocol(firstBytes) : null;
          if (foreign) throw new FrameTooLargeError(foreign);
          throw new FrameTooLargeError(
            `control frame of ${length} bytes exceeds the limit of ${this.maxFrameBytes} bytes - the peer is not a compatible bench`,
          );
        }
        this.frameLength = length;
      }
      if (this.pendingBytes < this.frameLength) break;
      frames.push(this.consume(this.frameLength));
      this.frameLength = -1;
    }
    return frames;
  }

  /** Bytes held for a frame not yet complete. */
  get bufferedBytes(): number {
    return this.pendingBytes;
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

export function encodeFrame(payload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  payload.copy(frame, FRAME_HEADER_BYTES);
  return frame;
}
