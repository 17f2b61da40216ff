/**
 * LZ4 block decoder in pure TypeScript, for browsers and servers alike (SPEC 4: B-FAST
 * compresses with the LZ4 *block* format; lz4 "Block format description").
 *
 * Every read is checked against the end of the input and every write against the exact
 * output size the caller allocated, so hostile blocks fail with `BAD_COMPRESSION` instead of
 * reading or writing out of bounds. The caller bounds the output size before allocating
 * (SPEC 6). No Node built-ins: the browser client imports this module.
 */
import { BFastError } from './errors.js'

/** lz4 block format: a 4-bit length field of 15 continues in following bytes. */
const RUN_MASK = 15
/** lz4 block format: the encoded match length is 4 less than the real one. */
const MIN_MATCH = 4
/** Below this length a byte loop beats `set`/`copyWithin` (no call, no view). */
const SHORT_COPY = 16

function fail(at: number, what: string): never {
  throw new BFastError('BAD_COMPRESSION', at, `Invalid LZ4 block: ${what}`)
}

/** Where a partial decode stopped: the next sequence starts at `sp` and writes at `dp`. */
export interface BlockProgress {
  sp: number
  dp: number
}

/**
 * Decodes the LZ4 block `src[start..end)` into `dst[dstStart..dstEnd)` and returns the
 * output position reached. The block must end exactly at `end` with a literal-only sequence;
 * the caller decides whether the output must be full.
 */
export function decodeBlock(
  src: Uint8Array,
  start: number,
  end: number,
  dst: Uint8Array,
  dstStart: number,
  dstEnd: number
): number {
  return decodeSequences(src, start, end, end, dst, dstStart, dstStart, dstEnd, null)
}

/**
 * Decodes the whole sequences of the block `src[progress.sp..end)` that lie entirely below
 * `avail` (the bytes received so far), continuing at `progress.dp`, and records where it
 * stopped: used to decompress while a reply is still arriving (./decompressor.ts). A sequence
 * is decoded only when its bytes up to the match offset are all present, so a sequence ending
 * the block is left for the final call (avail === end), which checks it as `decodeBlock` does.
 * Errors the received bytes already prove are thrown as `decodeBlock` would throw them.
 */
export function decodeAvailable(
  src: Uint8Array,
  progress: BlockProgress,
  avail: number,
  end: number,
  dst: Uint8Array,
  dstStart: number,
  dstEnd: number
): void {
  progress.dp = decodeSequences(src, progress.sp, avail, end, dst, dstStart, progress.dp, dstEnd, progress)
}

/**
 * The sequence loop shared by both entries. With `avail === end` (decodeBlock) every "past
 * the input" condition fails the block; with `avail < end` the same conditions mean "not yet
 * received" and the loop stops at the start of the incomplete sequence, so that it is decoded
 * again, whole, once its bytes are in (re-copying its literals to the same place is harmless).
 * The suspension branches sit behind the failure tests: the hot path is the same as a decoder
 * without them.
 */
function decodeSequences(
  src: Uint8Array,
  sp: number,
  avail: number,
  end: number,
  dst: Uint8Array,
  dstStart: number,
  dp: number,
  dstEnd: number,
  progress: BlockProgress | null
): number {
  const partial = avail < end
  if (sp >= avail) {
    if (partial) return suspend(progress, sp, dp)
    fail(sp, 'empty block')
  }
  for (;;) {
    const seqSp = sp
    const seqDp = dp
    const token = src[sp++]
    // Literals.
    let literals = token >>> 4
    if (literals === RUN_MASK) {
      let b: number
      do {
        if (sp >= avail) {
          if (partial) return suspend(progress, seqSp, seqDp)
          fail(sp, 'literal length runs past the end')
        }
        b = src[sp++]
        literals += b
      } while (b === 255)
    }
    if (literals > avail - sp) {
      if (partial) return suspend(progress, seqSp, seqDp)
      fail(sp, 'literals run past the end of the input')
    }
    if (literals > dstEnd - dp) fail(sp, 'literals overflow the declared size')
    if (literals < SHORT_COPY) {
      for (let i = 0; i < literals; i++) dst[dp + i] = src[sp + i]
    } else {
      dst.set(src.subarray(sp, sp + literals), dp)
    }
    sp += literals
    dp += literals
    // lz4 block format: the last sequence holds literals only and ends the block.
    if (sp === end) return dp
    // Match.
    if (avail - sp < 2) {
      if (partial) return suspend(progress, seqSp, seqDp)
      fail(sp, 'match offset cut off')
    }
    const offset = src[sp] | (src[sp + 1] << 8)
    sp += 2
    if (offset === 0) fail(sp - 2, 'zero match offset')
    if (offset > dp - dstStart) fail(sp - 2, 'match offset before the start of the output')
    let length = (token & RUN_MASK) + MIN_MATCH
    if ((token & RUN_MASK) === RUN_MASK) {
      let b: number
      do {
        if (sp >= avail) {
          if (partial) return suspend(progress, seqSp, seqDp)
          fail(sp, 'match length runs past the end')
        }
        b = src[sp++]
        length += b
      } while (b === 255)
    }
    if (length > dstEnd - dp) fail(sp, 'match overflows the declared size')
    let from = dp - offset
    if (offset >= length && length >= SHORT_COPY) {
      dst.copyWithin(dp, from, from + length)
      dp += length
    } else {
      // Overlapping matches repeat the last `offset` bytes: copy forward byte by byte.
      const stop = dp + length
      while (dp < stop) dst[dp++] = dst[from++]
    }
    if (sp >= avail) {
      if (partial) return suspend(progress, sp, dp)
      fail(sp, 'block ends after a match (the last sequence must be literals)')
    }
  }
}

/** Records where a partial decode stopped (only partial calls pass `progress`). */
function suspend(progress: BlockProgress | null, sp: number, dp: number): number {
  progress!.sp = sp
  return dp
}
