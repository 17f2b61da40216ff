/**
 * What the browser page hands back to the browser test: set on `globalThis[REPORT_KEY]` once
 * every case has run (or the harness itself failed).
 */
import type { ScenarioResult } from '../scenarios.js'

export const REPORT_KEY = '__bfastClientReport'

export interface BrowserReport {
  results: ScenarioResult[]
  /** Set when the harness could not run the cases at all. */
  error?: string
  userAgent: string
}
