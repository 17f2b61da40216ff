/**
 * The B-FAST v1 wire constants (SPEC sections 1 and 2), in one table.
 * Nothing else in the codec writes a tag or header byte as a literal.
 */

/** Media type of a B-FAST message, plain or compressed. */
export const MEDIA_TYPE = 'application/x-bfast'

/** SPEC 1: "BF" magic, flags, version, then the u16 string-table count. */
export const MAGIC_0 = 0x42 // 'B'
export const MAGIC_1 = 0x46 // 'F'
/** SPEC 4.2: a compressed message never starts with these two bytes; as a u16 LE. */
export const MAGIC_U16LE = 0x4642
export const VERSION = 0x01
/** SPEC 1: flag bit 0, "was compressed", informational only. */
export const FLAG_COMPRESSED = 0x01
/** SPEC 1: flag bit 1, big-endian; never set by any writer, rejected by readers. */
export const FLAG_BIG_ENDIAN = 0x02
export const HEADER_SIZE = 6
export const OFFSET_FLAGS = 2
export const OFFSET_VERSION = 3
export const OFFSET_TABLE_COUNT = 4

/**
 * SPEC 8: the media-type parameter that asks for (and labels) messages that may hold tables.
 * A reader that did not send it never receives tag 0xA0.
 */
export const TABLE_LAYOUT_PARAMETER = 'layout'
export const TABLE_LAYOUT_VALUE = 'table'
export const MEDIA_TYPE_TABLE = `${MEDIA_TYPE};${TABLE_LAYOUT_PARAMETER}=${TABLE_LAYOUT_VALUE}`
/**
 * SPEC 8.6: the further parameter with which a reader announces that it undoes table transforms
 * (and which labels a reply that may hold them). A reader that did not send it never receives
 * a transformed table.
 */
export const TABLE_TRANSFORMS_PARAMETER = 'transforms'
export const TABLE_TRANSFORMS_VALUE = '1'
export const MEDIA_TYPE_TABLE_TRANSFORMS = `${MEDIA_TYPE_TABLE};${TABLE_TRANSFORMS_PARAMETER}=${TABLE_TRANSFORMS_VALUE}`

/** SPEC 2: value tags. */
export const TAG_NULL = 0x10
export const TAG_FALSE = 0x20
export const TAG_TRUE = 0x21
/** 0x30..0x3F: small ints, value = tag & 0x0F (0x38 excluded: it is int64). */
export const TAG_SMALL_INT = 0x30
export const TAG_SMALL_INT_LAST = 0x3f
/** Writers emit only 0x30..0x37 (SPEC 2): 0x38 is the int64 tag. */
export const SMALL_INT_WRITE_MAX = 7
export const SMALL_INT_MASK = 0x0f
export const TAG_INT64 = 0x38
export const TAG_FLOAT64 = 0x40
export const TAG_STRING = 0x50
export const TAG_LIST = 0x60
export const TAG_OBJECT = 0x70
/** SPEC 2 "object terminator trap": this byte where a key index starts ends an object. */
export const OBJECT_END = 0x7f
export const TAG_BYTES = 0x80
export const TAG_F64_ARRAY = 0x90
export const TAG_DATETIME = 0xd1
export const TAG_DATE = 0xd2
export const TAG_TIME = 0xd3
export const TAG_UUID = 0xd4
export const TAG_DECIMAL = 0xd5
/** SPEC 8: a table (an array of records, column by column); only in `layout=table` messages. */
export const TAG_TABLE = 0xa0

/** SPEC 8.1: tag, flags, u16 column count, u32 row count, u32 byte length of the rest. */
export const TABLE_HEADER_SIZE = 12
export const TABLE_OFFSET_FLAGS = 1
export const TABLE_OFFSET_COLUMNS = 2
export const TABLE_OFFSET_ROWS = 4
export const TABLE_OFFSET_LENGTH = 8
/**
 * SPEC 8.6: table flags, the transforms. DELTA: every offsets part holds the last offset, then
 * each item's length. SHUFFLE: every int32, int64 and float64 items part is byte-shuffled.
 */
export const TABLE_DELTA = 0x08
export const TABLE_SHUFFLE = 0x10
/** SPEC 8.1: every table flag a reader knows (others are BAD_TABLE). */
export const TABLE_FLAGS_KNOWN = TABLE_DELTA | TABLE_SHUFFLE
/** SPEC 8.2: a directory entry: u32 key index, type, flags, child type, child flags, u32 offset, u32 length. */
export const TABLE_DIR_ENTRY_SIZE = 16
export const DIR_OFFSET_TYPE = 4
export const DIR_OFFSET_FLAGS = 5
export const DIR_OFFSET_CHILD_TYPE = 6
export const DIR_OFFSET_CHILD_FLAGS = 7
export const DIR_OFFSET_REGION = 8
export const DIR_OFFSET_REGION_LENGTH = 12
/** SPEC 8.3: every column region and every part inside one starts at a multiple of 8 from the message start. */
export const TABLE_ALIGN = 8
/** SPEC 8.2: the column types. */
export const COL_BOOL = 1
export const COL_INT32 = 2
export const COL_INT64 = 3
export const COL_FLOAT64 = 4
export const COL_STRING = 5
export const COL_LIST = 6
export const COL_ANY = 7
/** SPEC 8.2: column flags. */
export const COL_PRESENCE = 0x01
export const COL_VALIDITY = 0x02
export const COL_ASCII = 0x04

/**
 * SPEC 2: int64 is little-endian two's complement, read and written as two u32 halves
 * (hi * TWO_32 + lo), in this range.
 */
export const TWO_32 = 4294967296
export const INT64_MIN = -(2n ** 63n)
export const INT64_MAX = 2n ** 63n - 1n
/**
 * The low byte of a u32 key index, the table count's low byte: SPEC 2 "object terminator
 * trap" (a slot whose low byte is OBJECT_END is skipped).
 */
export const LOW_BYTE = 0xff

/** SPEC 3: a string-table slot holds at most 255 UTF-8 bytes (u8 length). */
export const KEY_MAX_BYTES = 0xff
/** SPEC 3: the table count is a u16. */
export const TABLE_MAX_SLOTS = 0xffff

/** SPEC 4: compressed framing. */
export const SIZE_PREFIX = 4
export const CHUNK_HEADER = 8
/** SPEC 6: LZ4 cannot expand data more than 255x (one token byte per 255 literal-run bytes). */
export const LZ4_MAX_RATIO = 255
