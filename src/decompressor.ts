/**
 * Decompressing a reply while it is still arriving (SPEC 4), so that LZ4 work overlaps the
 * download instead of following it. Browser-safe (no Node built-ins), used by the client.
 *
 * The contract is exact: `finish()` returns what `decompress()` returns for the same bytes, and
 * throws the same error (code and offset). Work done early is only a head start. Whenever the
 * received bytes do not match what the streaming path expects (a chunk that does not fit, a
 * form SPEC 4.1's exact check would read differently, any error), it stops, keeps collecting,
 * and `finish()` hands every byte to `decompress()`, which gives the authoritative answer.
 *
 * Memory stays bounded as in `decompress()`: the output is allocated only once the declared
 * size is within `maxDecompressedSize` and within LZ4's 255x of the bytes received so far
 * (SPEC 6), and the input buffer grows with the bytes actually received.
 */
import { chunkCount, decompress, sizeLimit, u32 } from './frame.js'
import type { DecompressOptions } from './frame.js'
import { decodeAvailable, decodeBlock } from './lz4.js'
import type { BlockProgress } from './lz4.js'
import { CHUNK_HEADER, HEADER_SIZE, LZ4_MAX_RATIO, MAGIC_0, MAGIC_1, SIZE_PREFIX } from './tags.js'
import { DECOMPRESSOR_INITIAL_MAX_BYTES, DECOMPRESSOR_INITIAL_MIN_BYTES } from './limits.js'

/** Which form of SPEC 4 the received bytes are being read as (once the output is allocated). */
type Mode = 'block' | 'chunked'

export interface DecompressorOptions extends DecompressOptions {
  /** The length the reply announced (Content-Length), to size the input buffer (capped). */
  expectedLength?: number
}

/**
 * Incremental counterpart of `decompress()`: `push()` each piece of a reply as it arrives,
 * then `finish()` for the plain message.
 *
 * @example
 * ```ts
 * const inflater = new Decompressor({ expectedLength: Number(res.headers.get('content-length')) })
 * for await (const piece of res.body) inflater.push(piece)
 * const users = decode(inflater.finish())
 * ```
 */
export class Decompressor {
  private input: Uint8Array
  private received = 0
  private mode: Mode = 'block'
  /** Set once the streaming path stops: the rest is collected for `decompress()`. */
  private gaveUp = false
  private readonly limit: number
  private total = 0
  private out: Uint8Array | null = null
  /** Block form: where the next sequence starts (input) and writes (output). */
  private readonly progress: BlockProgress = { sp: SIZE_PREFIX, dp: 0 }
  /** Chunked form: chunks declared, chunks decoded, next chunk header, output written. */
  private chunks = 0
  private chunksDone = 0
  private chunkAt = CHUNK_HEADER
  private written = 0

  constructor(private readonly options?: DecompressorOptions) {
    this.limit = sizeLimit(options, 'Decompressor')
    const hint = options?.expectedLength
    const initial =
      typeof hint === 'number' && Number.isInteger(hint) && hint > 0 ? hint : DECOMPRESSOR_INITIAL_MIN_BYTES
    this.input = new Uint8Array(Math.min(initial, DECOMPRESSOR_INITIAL_MAX_BYTES))
  }

  /**
   * Bytes of the plain message already produced, before `finish()`: progress for a UI, and
   * proof that the work overlaps the download (0 for a plain message, or once the streaming
   * path has given up and left the bytes to `decompress()`).
   */
  get decodedBytes(): number {
    if (this.out === null) return 0
    return this.mode === 'block' ? this.progress.dp : this.written
  }

  /** Bytes of buffer this decompressor holds (received input and output), for memory checks. */
  get retainedBytes(): number {
    return this.input.length + (this.out === null ? 0 : this.out.length)
  }

  /** Adds the next piece of the reply; decodes what it completes. Never throws for bad data. */
  push(piece: Uint8Array): void {
    if (piece.length === 0) return
    this.append(piece)
    if (this.gaveUp) return
    try {
      this.advance()
    } catch {
      // Whatever this was, decompress() will say it precisely in finish().
      this.stop()
    }
  }

  /**
   * The plain message: the same bytes `decompress()` returns for everything pushed, or the
   * same error it throws.
   */
  finish(): Uint8Array {
    const bytes = this.input.subarray(0, this.received)
    if (!this.gaveUp && this.out !== null) {
      try {
        const plain = this.complete(bytes)
        if (plain !== null) return plain
      } catch {
        // decompress() below reports it as it would for the whole input.
      }
    }
    return decompress(bytes, this.options)
  }

  private append(piece: Uint8Array): void {
    const needed = this.received + piece.length
    if (needed > this.input.length) {
      const grown = new Uint8Array(Math.max(needed, this.input.length * 2))
      grown.set(this.input.subarray(0, this.received))
      this.input = grown
    }
    this.input.set(piece, this.received)
    this.received = needed
  }

  private stop(): void {
    this.gaveUp = true
    this.out = null
  }

  private advance(): void {
    if (this.out === null && !this.start()) return
    if (this.mode === 'block') {
      // The block's end is not known until finish(): an end beyond any input keeps it open.
      decodeAvailable(this.input, this.progress, this.received, Number.MAX_SAFE_INTEGER, this.out!, 0, this.total)
    } else {
      this.decodeChunks()
    }
  }

  /**
   * Reads the size prefix and picks the form, once enough bytes are in; false while waiting.
   * SPEC 4: "BF" first means plain (nothing to do); the chunked form is assumed when the count
   * field is plausible for the declared size (a single block's first bytes make it huge), and
   * finish() confirms it with SPEC 4.1's exact check.
   */
  private start(): boolean {
    const n = this.received
    if (n < CHUNK_HEADER) return false
    const b = this.input
    if (b[0] === MAGIC_0 && b[1] === MAGIC_1) {
      this.stop()
      return false
    }
    const total = u32(b, 0)
    if (total > this.limit || total < HEADER_SIZE) {
      this.stop()
      return false
    }
    // SPEC 6: no allocation beyond LZ4's ratio of what has actually arrived.
    if (total > LZ4_MAX_RATIO * n) return false
    const k = u32(b, SIZE_PREFIX)
    this.total = total
    this.mode = k >= 1 && k <= total ? 'chunked' : 'block'
    this.chunks = k
    this.out = new Uint8Array(total)
    return true
  }

  /** Decodes every chunk whose bytes have all arrived (SPEC 4.1 layout, checked as it goes). */
  private decodeChunks(): void {
    const b = this.input
    const out = this.out!
    while (this.chunksDone < this.chunks && this.received - this.chunkAt >= CHUNK_HEADER) {
      const p = this.chunkAt
      const len = u32(b, p)
      const size = u32(b, p + SIZE_PREFIX)
      if (len < SIZE_PREFIX || size > this.total - this.written) {
        this.stop()
        return
      }
      const end = p + SIZE_PREFIX + len
      if (end > this.received) return
      const reached = decodeBlock(b, p + CHUNK_HEADER, end, out, this.written, this.written + size)
      if (reached !== this.written + size) {
        this.stop()
        return
      }
      this.written = reached
      this.chunkAt = end
      this.chunksDone++
    }
  }

  /**
   * Completes the streamed form over the whole input, or returns null when decompress() would
   * read these bytes differently (then it decides).
   */
  private complete(bytes: Uint8Array): Uint8Array | null {
    const out = this.out!
    const n = bytes.length
    if (this.total > LZ4_MAX_RATIO * n) return null
    const k = chunkCount(bytes, this.total)
    if (this.mode === 'chunked') {
      // SPEC 4.1: the structure must hold exactly over the whole input, as decompress() checks it.
      if (k !== this.chunks || this.chunksDone !== k || this.chunkAt !== n || this.written !== this.total) return null
    } else {
      // Unreachable for a block that decodes to `total` bytes (a count above `total` needs
      // 8 input bytes per chunk, far more than such a block holds), and kept so that the
      // choice of form is decompress()'s in every case.
      if (k !== 0) return null
      // The final call: the block now ends at n, and its last sequence is checked as decodeBlock does.
      decodeAvailable(bytes, this.progress, n, n, out, 0, this.total)
      if (this.progress.dp !== this.total) return null
    }
    if (out[0] !== MAGIC_0 || out[1] !== MAGIC_1) return null
    return out
  }
}
