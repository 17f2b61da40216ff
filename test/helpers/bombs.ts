/**
 * Decompression bombs for the tests of bounded decoding (issue 10 finding 7, issue 16 item 3): a
 * small body in an HTTP content coding that decodes to a gigabyte of zeros, built without holding
 * the gigabyte (each one under a second on this machine).
 */
import zlib from 'node:zlib'

const MIB = 1024 * 1024

/**
 * A gzip member (RFC 1952) of `mib` MiB of zeros, built without compressing them all: one MiB
 * deflated and ended with a full flush (RFC 1951 blocks, none final, byte-aligned, no reference
 * before its start) can follow itself any number of times; an empty final block and the
 * trailer (CRC-32 and length of the zeros) close the member. 1 GiB of zeros this way take
 * about 1 MB.
 */
export function gzipOfZeros(mib: number): Buffer {
  const zeros = Buffer.alloc(MIB)
  const segment = zlib.deflateRawSync(zeros, { level: 9, finishFlush: zlib.constants.Z_FULL_FLUSH })
  let crc = 0
  for (let i = 0; i < mib; i++) crc = zlib.crc32(zeros, crc)
  const header = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff])
  // BFINAL=1, fixed Huffman, end-of-block: the final empty block.
  const finalBlock = Buffer.from([0x03, 0x00])
  const trailer = Buffer.alloc(8)
  trailer.writeUInt32LE(crc >>> 0, 0)
  trailer.writeUInt32LE((mib * zeros.length) % 2 ** 32, 4)
  return Buffer.concat([header, ...Array.from({ length: mib }, () => segment), finalBlock, trailer])
}

/**
 * One brotli stream (RFC 7932) of `mib` MiB of zeros, the zeros streamed through the encoder at
 * quality 1 (1 GiB gives about 190 KB, in about 0.1 s).
 */
export async function brotliOfZeros(mib: number): Promise<Buffer> {
  const encoder = zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 1 } })
  const pieces: Buffer[] = []
  encoder.on('data', (piece: Buffer) => pieces.push(piece))
  const ended = new Promise<void>((resolve, reject) => {
    encoder.once('end', resolve)
    encoder.once('error', reject)
  })
  const zeros = Buffer.alloc(16 * MIB)
  for (let written = 0; written < mib; written += 16) {
    if (!encoder.write(mib - written >= 16 ? zeros : zeros.subarray(0, (mib - written) * MIB))) {
      await new Promise((resolve) => encoder.once('drain', resolve))
    }
  }
  encoder.end()
  await ended
  return Buffer.concat(pieces)
}

/** node:zlib's zstd encoder (Node >= 22.15), absent on Node 20. */
const zstdCompressSync = (zlib as unknown as { zstdCompressSync?: (b: Buffer) => Buffer }).zstdCompressSync

/** `bytes` as one zstd frame (RFC 8878), or undefined on a Node line without a zstd encoder. */
export function zstdOf(bytes: Uint8Array): Buffer | undefined {
  return zstdCompressSync?.(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
}

/**
 * `mib` zstd frames of one MiB of zeros each (about 50 bytes a frame): consecutive frames are one
 * valid zstd body (RFC 8878 section 3.1) decoding to `mib` MiB. Undefined without a zstd encoder.
 */
export function zstdOfZeros(mib: number): Buffer | undefined {
  const frame = zstdOf(Buffer.alloc(MIB))
  return frame === undefined ? undefined : Buffer.concat(Array.from({ length: mib }, () => frame))
}
