/**
 * The codec as a browser loads it: imported while no global `Buffer` exists, so src/utf8.ts and
 * src/table-reader.ts choose their browser paths (TextEncoder/TextDecoder, plain Uint8Arrays,
 * String.fromCharCode texts) at load. A test file that uses this must not import the codec
 * statically (nor anything that does): the module must first load here, after Buffer is hidden.
 */
export async function codecWithoutBuffer(): Promise<typeof import('../../src/index.js')> {
  const saved = globalThis.Buffer
  Reflect.deleteProperty(globalThis, 'Buffer')
  try {
    return await import('../../src/index.js')
  } finally {
    globalThis.Buffer = saved
  }
}
