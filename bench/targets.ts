/**
 * The codec speed targets of issue 11 (set for Node 24 and 26; they replaced issue 2's looser
 * Node 20 targets), as ratios of B-FAST's median time to the other codec's, on this machine, for
 * every dataset. A ratio at or under the target passes.
 */
export const TARGETS = {
  /** encode <= 0.6x JSON.stringify + Buffer.from on users-10k and citm ... */
  encodeVsJson: 0.6,
  /** ... and <= 0.8x on twitter.json (mostly non-ASCII text, where UTF-8 encoding dominates). */
  encodeVsJsonTwitter: 0.8,
  /** encode <= 0.8x msgpackr pack (records). */
  encodeVsMsgpackr: 0.8,
  /** decode <= 0.5x TextDecoder + JSON.parse on users-10k and citm ... */
  decodeVsJson: 0.5,
  /** ... and <= 0.8x on twitter.json. */
  decodeVsJsonTwitter: 0.8,
  /** decode <= 1.0x msgpackr unpack (with its native string extractor). */
  decodeVsMsgpackr: 1.0,
} as const

/** The dataset whose vs-JSON targets are relaxed (see TARGETS.encodeVsJsonTwitter, decodeVsJsonTwitter). */
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
