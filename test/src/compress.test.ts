/**
 * Server-side compression (SPEC 4): `compress` (single block) and `compressChunked` (the
 * chunked form, chunks compressed in parallel) produce what the reader reads, with the exact
 * chunked structure, and never a compressed message starting with "BF" (SPEC 4.2).
 */
import t from 'tap'
import { decode, decompress, encode, isCompressed, DEFAULT_CHUNK_SIZE } from '../../src/index.js'
import { compress, compressChunked } from '../../src/compress.js'
import { MAGIC_U16LE } from '../../src/tags.js'
import { codeOf } from '../helpers/thrown.js'
import { sameValue, users } from '../helpers/tagged.js'

/** The chunked structure of SPEC 4, read independently of the codec. */
function chunkStructure(c: Uint8Array): { total: number; sizes: number[] } | string {
  const dv = new DataView(c.buffer, c.byteOffset, c.byteLength)
  const total = dv.getUint32(0, true)
  const k = dv.getUint32(4, true)
  const sizes: number[] = []
  let p = 8
  for (let i = 0; i < k; i++) {
    if (p + 8 > c.length) return `chunk ${i} header past the end`
    const len = dv.getUint32(p, true)
    sizes.push(dv.getUint32(p + 4, true))
    p += 4 + len
  }
  if (p !== c.length) return `chunks end at ${p} of ${c.length}`
  return { total, sizes }
}

/** A string message of exactly `len` bytes: 6 header + 1 tag + 4 length + text. */
function messageOfLength(len: number): Uint8Array {
  const m = encode('x'.repeat(len - 11))
  if (m.length !== len) throw new Error(`built ${m.length}, wanted ${len}`)
  return m
}

t.test('compress: a single block [u32 len][lz4] that decodes', (t) => {
  const value = users(300)
  const m = encode(value)
  const c = compress(m)
  t.ok(isCompressed(c))
  t.equal(new DataView(c.buffer, c.byteOffset).getUint32(0, true), m.length, 'size prefix = len(M)')
  t.ok(c.length < m.length / 2, `smaller (${c.length} of ${m.length})`)
  t.equal(sameValue(decode(c), value), undefined)
  t.equal(Buffer.compare(Buffer.from(decompress(c)), Buffer.from(m)), 0, 'decompress gives the message back')
  t.end()
})

t.test('compressChunked: exact chunked structure, and it decodes', async (t) => {
  const value = { rows: users(2000), note: 'ünïcode ✓'.repeat(50) }
  const m = encode(value)
  for (const chunkSize of [1000, 4099, 65_536, m.length - 1, m.length, m.length + 1]) {
    const c = await compressChunked(m, { chunkSize })
    const s = chunkStructure(c)
    if (typeof s === 'string') {
      t.fail(`${chunkSize}: ${s}`)
      continue
    }
    const k = Math.ceil(m.length / chunkSize)
    t.equal(s.total, m.length, `chunkSize ${chunkSize}: len(M)`)
    t.equal(s.sizes.length, k, `chunkSize ${chunkSize}: ${k} chunks`)
    t.ok(s.sizes.every((x, i) => x === (i < k - 1 ? chunkSize : m.length - chunkSize * (k - 1))), 'each chunk prefix is its size')
    t.equal(sameValue(decode(c), value), undefined, `chunkSize ${chunkSize}: decodes`)
  }
  // Small chunk sizes on a small message (many tiny chunks).
  const small = encode({ a: [1, 2, 3], b: 'hello' })
  for (const chunkSize of [1, 2, 3, 5]) {
    const c = await compressChunked(small, { chunkSize })
    const s = chunkStructure(c)
    t.ok(typeof s !== 'string' && s.sizes.length === Math.ceil(small.length / chunkSize), `chunkSize ${chunkSize}: structure`)
    t.same(decode(c), { a: [1, 2, 3], b: 'hello' })
  }
  t.end()
})

t.test('compressChunked with the default chunk size on a >1 MB message (upstream cut-over)', async (t) => {
  const value = users(12_000)
  const m = encode(value)
  t.ok(m.length > 1_000_000)
  const c = await compressChunked(m)
  const s = chunkStructure(c)
  t.ok(typeof s !== 'string' && s.sizes.length === Math.ceil(m.length / DEFAULT_CHUNK_SIZE), 'one chunk per 262,144 bytes')
  t.equal(sameValue(decode(c), value), undefined)
  t.end()
})

t.test('never a compressed message starting with "BF" (SPEC 4.2)', async (t) => {
  for (const len of [MAGIC_U16LE, 0x10000 + MAGIC_U16LE]) {
    const m = messageOfLength(len)
    t.equal(m.length % 65536, MAGIC_U16LE)
    const c = compress(m)
    t.notOk(isCompressed(c), `compress, length ${len}: sent uncompressed`)
    t.equal(Buffer.compare(Buffer.from(c), Buffer.from(m)), 0, 'the message itself')
    t.equal(decode(c), 'x'.repeat(len - 11))
    const cc = await compressChunked(m, { chunkSize: 4096 })
    t.notOk(isCompressed(cc), `compressChunked, length ${len}: sent uncompressed`)
    t.equal(decode(cc), 'x'.repeat(len - 11))
  }
  for (const len of [MAGIC_U16LE - 1, MAGIC_U16LE + 1]) {
    const c = compress(messageOfLength(len))
    t.ok(isCompressed(c), `length ${len}: compressed as usual`)
    t.equal(decode(c), 'x'.repeat(len - 11))
  }
  t.end()
})

t.test('the compressed forms of every vector-like value decode the same as plain', async (t) => {
  const values: unknown[] = [null, 1, 'x', [], {}, { nested: { list: [1.5, -0, NaN, 2n ** 60n] } }, new Float64Array([1, 2]), new Uint8Array(1000)]
  for (const v of values) {
    const m = encode(v)
    t.equal(sameValue(decode(compress(m)), decode(m)), undefined)
    t.equal(sameValue(decode(await compressChunked(m, { chunkSize: 3 })), decode(m)), undefined)
  }
  t.end()
})

t.test('compressChunked refuses a bad chunkSize (BAD_OPTION)', async (t) => {
  for (const chunkSize of [0, -1, 1.5, NaN]) {
    await t.rejects(compressChunked(encode(1), { chunkSize }), { code: 'BAD_OPTION' }, String(chunkSize))
  }
  t.equal(codeOf(() => decompress(compress(encode(1)), { maxDecompressedSize: -1 })), 'BAD_OPTION')
  t.end()
})
