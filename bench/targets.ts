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
