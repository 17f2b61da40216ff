/**
 * Limits and defaults (SPEC sections 4 and 6), in one table. The encode and decode options'
 * defaults (maxDepth, maxDecompressedSize, maxHeapPerByte) live with their rules in ./options.ts.
 */

/** SPEC 4: upstream cuts messages into 262,144-byte chunks for the chunked form. */
export const DEFAULT_CHUNK_SIZE = 262_144
/** SPEC 4: upstream uses the chunked form from 1,000,000 bytes. */
export const DEFAULT_PARALLEL_THRESHOLD = 1_000_000

/**
 * The incremental decompressor (./decompressor.ts) collects the received reply in a buffer
 * that starts at the announced length (Content-Length) but never above this, and doubles as
 * needed: a length a server merely claims cannot make the client allocate much.
 */
export const DECOMPRESSOR_INITIAL_MAX_BYTES = 4 * 1024 * 1024
/** ... and at least this, when no length was announced. */
export const DECOMPRESSOR_INITIAL_MIN_BYTES = 64 * 1024

/** The encoder's reusable scratch buffer starts at this size (PERFORMANCE-NOTES "Encoding"). */
export const WRITER_INITIAL_BYTES = 64 * 1024
/**
 * A scratch buffer grown past this size for one large message is dropped afterwards, so one
 * big reply does not pin its memory for the life of the process.
 */
export const WRITER_RETAIN_MAX_BYTES = 8 * 1024 * 1024
/** The encoder's key map is emptied after a message once it holds more keys than this. */
export const WRITER_KEYS_RETAIN_MAX = 4096
/** The encoder's container path (for telling a cycle from depth) is dropped past this length. */
export const WRITER_PATH_RETAIN_MAX = 64
/** Messages up to this many bytes (table + body) are copied into the output by a byte loop. */
export const WRITER_COPY_LOOP_MAX = 256
/** The largest fixed-size value (tag + 8 bytes) plus a key index fits in this many bytes. */
export const WRITER_SLACK_BYTES = 16

/**
 * Generated object readers (PERFORMANCE-NOTES "Objects"): a shape is compiled once it has been
 * read this many times in one message (single objects never pay for a compile) ...
 */
export const SHAPE_MIN_HITS = 3
/** ... at most this many compiles per message, so hostile input cannot buy unbounded CPU ... */
export const SHAPE_MAX_COMPILES = 32
/** ... and at most this many compiled readers are kept across messages (memory stays bounded). */
export const SHAPE_CACHE_MAX = 512
/** Shapes with more members than this are read generically (generated code size stays small). */
export const SHAPE_MAX_MEMBERS = 64
/**
 * Key lists are remembered across messages, and a message's first object of a remembered list
 * read by its compiled reader at once, in messages up to this many bytes (./reader.ts
 * knownShapes): the small replies that never repeat an object SHAPE_MIN_HITS times.
 */
export const SHAPE_KNOWN_MAX_BYTES = 16 * 1024
/** ... at most this many such lists, one a first key (an API's replies start with few). */
export const SHAPE_KNOWN_MAX = 64
/**
 * Key lists other than its own that a compiled reader's shape keeps a builder for (twitter.json's
 * status objects come in 4, its objects starting with "id" in 4); more are built generically.
 * Also the key lists the writer learns per member (./writer.ts Shape: `statuses` 4, `entities` 4).
 */
export const SHAPE_MAX_VARIANTS = 8
/**
 * Generated member writers (./writer-shapes.ts) use SHAPE_MIN_HITS, SHAPE_MAX_COMPILES (per
 * message), SHAPE_CACHE_MAX and SHAPE_MAX_MEMBERS as the readers do. A member's learnt key list
 * counts at most this many hits, so after a run of one shape a few others replace it ...
 */
export const WRITER_SHAPE_HITS_MAX = 8
/** ... and is learnt anew at most this many times before the member's objects go generic. */
export const WRITER_SHAPE_MAX_RELEARN = 16

/**
 * The table writer (./table-writer.ts) keeps at most this many column arrays for reuse across
 * tables, each of at most TABLE_POOL_MAX_ROWS slots, so the memory it keeps stays bounded.
 */
export const TABLE_POOL_ARRAYS = 64
export const TABLE_POOL_MAX_ROWS = 1 << 20
/** ... and at most this many typed scratch arrays of each kind (numbers, booleans), as long. */
export const TABLE_POOL_TYPED = 8
/**
 * The table writer (./table-writer.ts) rebuilds its column order when a row holds keys in
 * another order than the one learned so far (SPEC 8.4: a key first seen in a later row before
 * known ones). Each rebuild costs the columns plus the key pairs seen; all of them together may
 * cost at most TABLE_ORDER_WORK_BASE plus TABLE_ORDER_WORK_PER_ROW per row read so far, past
 * which the array is written as the v1 list: hostile key orders cannot make pass 1 quadratic.
 */
export const TABLE_ORDER_WORK_BASE = 1 << 16
export const TABLE_ORDER_WORK_PER_ROW = 64
/**
 * The table writer hands a run of rows of one key list to a generated extractor
 * (./table-extract.ts) only when more than this many rows are left, so a compile is paid for by
 * the rows it reads; it looks one up (compiling it if new) at most TABLE_EXTRACT_LOOKUPS times
 * per table, so rows of alternating shapes cannot buy a compile each.
 */
export const TABLE_EXTRACT_MIN_ROWS = 32
export const TABLE_EXTRACT_LOOKUPS = 2
/**
 * The table writer's first call of an extractor on a run takes at most this many rows (then one
 * call takes the rest), so that the code after its row loop has run, with type feedback, before
 * V8 compiles the loop on stack replacement (./table-extract.ts RowExtractor).
 */
export const TABLE_EXTRACT_FIRST_ROWS = 8
/**
 * The table writer writes a string column's rope (./table-writer.ts asciiLayout) out each time
 * it holds this many UTF-16 units, so that flattening it never makes a large-object string
 * (V8: from 64 Ki one-byte units) nor keeps more of the column's strings alive than that.
 */
export const TABLE_STRING_CHUNK = 1 << 15
/**
 * Tables of at least TABLE_WARM_MIN_ROWS rows have their string columns laid out in blocks of
 * TABLE_WARM_BLOCK rows right after pass 1 read them, while their strings are still in the CPU's
 * caches (./table-writer.ts layWarm), and the elements of their lists of numbers copied as pass 1
 * reads them (captureLists): users-100k is 20 MB of rows, which pass 2 otherwise reads again from
 * memory (users-10k, 2 MB, stays in cache, and keeps the one-pass layout).
 */
export const TABLE_WARM_MIN_ROWS = 1 << 15
export const TABLE_WARM_BLOCK = 2048
/**
 * The most list elements one column of such a table captures in pass 1 (as many bytes of
 * float64 as the writer keeps of its own scratch, WRITER_RETAIN_MAX_BYTES); past it the column's
 * lists are read again in pass 2.
 */
export const TABLE_CAPTURE_MAX_ITEMS = WRITER_RETAIN_MAX_BYTES / 8
/**
 * Rows per block of a table's toArray() (./table.ts inBlocks) on a table of more rows: an array
 * of this many cells is under V8's largest regular heap object (128 KB, 8-byte slots without
 * pointer compression), so no column's block of values goes to large-object space, which V8 maps
 * afresh after every full GC.
 */
export const TABLE_READ_BLOCK = 12288
/**
 * Heap every message may build before the per-byte budget (decode option maxHeapPerByte, SPEC 6)
 * applies (small messages never fail).
 */
export const DECODE_BUDGET_SLACK = 256 * 1024
/**
 * Estimated V8 heap cost of what the reader builds per container (measured on Node 20-26,
 * 64-bit, pointer compression off): an object with its in-object slots; an array header; a
 * typed array (Float64Array or Uint8Array, view object plus, for copies, its ArrayBuffer).
 * What is not charged costs at most ~4 heap bytes per message byte (array slots are charged
 * per element: HEAP_COST_SLOT).
 */
export const HEAP_COST_OBJECT = 56
export const HEAP_COST_LIST = 32
export const HEAP_COST_SLOT = 8
export const HEAP_COST_TYPED_ARRAY = 176

/**
 * V8's maximum string length in UTF-16 units on 64-bit hosts ((1 << 29) - 24), the smallest of
 * the major engines (SpiderMonkey 2^30 - 2, JavaScriptCore 2^31 - 1): a longer string is
 * STRING_TOO_LONG on every engine, found before anything is allocated.
 */
export const MAX_STRING_UNITS = 2 ** 29 - 24
/** SPEC 2: lengths and counts are u32. */
export const U32_MAX = 0xffffffff

/**
 * The decoder keeps string-table keys (SPEC 3) across messages in this many slots (a power of
 * two: the slot is a hash of the key's bytes, masked) ...
 */
export const KEY_CACHE_SLOTS = 4096
/** ... keys of up to this many bytes, all ASCII: at most 4,096 short strings stay held. */
export const KEY_CACHE_MAX_BYTES = 32
