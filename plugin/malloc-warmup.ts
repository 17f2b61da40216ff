/**
 * The `mallocWarmup` option: one nudge to glibc's malloc, at registration, so that large B-FAST
 * replies reuse freed memory instead of page-faulting fresh pages in (docs/PERFORMANCE-NOTES.md
 * "Large replies and glibc's heap trimming", issue 11).
 *
 * Why: a B-FAST reply is a Buffer that lives until V8 collects it, so one garbage collection
 * frees several replies together. Freed together at the top of glibc's heap, they exceed its trim
 * threshold. Both that and the mmap threshold start at 128 KiB; only when glibc frees a block it
 * had mmapped does it raise the mmap threshold to that block's size and the trim threshold to twice
 * that (mallopt(3), M_MMAP_THRESHOLD: the dynamic threshold). The heap is then given back to the
 * kernel, and the next replies fault every page back in: on Node 26 a 10,000-user reply (1 MB)
 * faulted about 245 pages and cost 8.0-8.3 ms of server CPU against 2.6-3.1 ms without the
 * trimming, in processes that fell into it. JSON replies are strings, which Node writes through a
 * buffer it frees at once, and are rarely caught.
 *
 * What: allocate and drop one MALLOC_WARMUP_BYTES buffer, never touched. glibc maps it (it is
 * over the mmap threshold), and when V8 frees it, raises its mmap threshold to that size and its
 * trim threshold to twice that, as after any program's free of a block that large. Untouched, it
 * costs no resident memory; afterwards the process keeps up to 2 x MALLOC_WARMUP_BYTES of freed
 * heap for reuse instead of returning it. Elsewhere than on Linux nothing is done; on a libc
 * without these thresholds (musl) the buffer is mapped and unmapped and nothing changes.
 */
import { Buffer } from 'node:buffer'

/**
 * The dropped buffer's size: replies up to this size then come from the heap, and up to twice
 * this of freed replies stays in it. Just below glibc's cap on the dynamic threshold (32 MiB on
 * 64-bit, DEFAULT_MMAP_THRESHOLD_MAX), past which a free no longer raises it: the block glibc maps
 * is the request plus its header rounded up to a page, so 32 MiB itself would be over the cap.
 *
 * Why so high: one collection frees every reply since the last one together. With 16 MiB (a trim
 * threshold of 32 MiB) a process sending 7-11 MB replies (a 100,000-row table, its JSON) still gave
 * its heap back after collections: in four of eight bench children the next replies faulted
 * 770-5,100 pages each, and in none of eight at 31 MiB (docs/PERFORMANCE-NOTES.md, "The warm-up at
 * 31 MiB"). The price is up to 62 MiB of freed heap kept for reuse instead of 32.
 */
export const MALLOC_WARMUP_BYTES = 31 * 1024 * 1024

let warmed = false

/** Once per process (the thresholds only ever grow), on Linux. */
export function warmUpMalloc(): void {
  if (warmed || process.platform !== 'linux') return
  warmed = true
  // Dropped at once: V8 frees it at the next collection, which is when glibc adjusts.
  Buffer.allocUnsafeSlow(MALLOC_WARMUP_BYTES)
}
