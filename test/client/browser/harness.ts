/**
 * Runs the client's cases (scenarios.ts) inside the browser, against the server that served
 * this page, with the browser's own fetch; loaded as a native ES module by index.html, through
 * the built client (dist/client) and codec (dist/src) modules, with no bundler.
 */
import { runScenarios } from '../scenarios.js'
import { REPORT_KEY, type BrowserReport } from './report.js'

const report: BrowserReport = { results: [], userAgent: navigator.userAgent }
try {
  report.results = await runScenarios({ baseUrl: location.origin })
} catch (err) {
  report.error = err instanceof Error ? `${err.name}: ${err.message}\n${err.stack ?? ''}` : String(err)
}
;(globalThis as Record<string, unknown>)[REPORT_KEY] = report
