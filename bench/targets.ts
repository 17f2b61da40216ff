/**
 * The speed targets of issue 2 ("Speed"), as ratios of B-FAST's median time to the other
 * codec's, on this machine, for every dataset. A ratio at or under the target passes.
 */
export const TARGETS = {
  /** encode <= 0.75x JSON.stringify + Buffer.from ... */
  encodeVsJson: 0.75,
  /** ... except twitter.json (mostly non-ASCII text, where UTF-8 encoding dominates): <= 1.0x. */
  encodeVsJsonTwitter: 1.0,
  /** encode <= 1.2x msgpackr pack (records). */
  encodeVsMsgpackr: 1.2,
  /** decode <= 0.6x TextDecoder + JSON.parse. */
  decodeVsJson: 0.6,
  /** decode <= 1.5x msgpackr unpack (which uses a native string extractor here). */
  decodeVsMsgpackr: 1.5,
} as const

/** The dataset whose encode-vs-JSON target is relaxed (see TARGETS.encodeVsJsonTwitter). */
export const NON_ASCII_DATASET = 'twitter.json'

/** The table targets of issue 14 item 6, as ratios of the table's median time (or size). */
export const TABLE_TARGETS = {
  /** open (decode to a BFastTable) <= 0.002x the JSON.parse(TextDecoder) path ... */
  openVsJson: 0.002,
  /** ... and flat: open of 100,000 rows <= 1.5x open of 10,000. */
  openFlatness: 1.5,
  /** open + the first 50 rows <= 0.01x the JSON path. */
  firstRowsVsJson: 0.01,
  /** toArray() <= 0.5x v1 decode, with and without new Function. */
  toArrayVsV1: 0.5,
  /** encode <= 0.4x Buffer.from(JSON.stringify(x)). */
  encodeVsJson: 0.4,
  /** size <= 0.7x JSON (and with LZ4 no larger than v1 with LZ4). */
  sizeVsJson: 0.7,
} as const
