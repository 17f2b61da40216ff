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
    const codec = await import('../../src/index.js')
    // A codec some static import loaded first comes back from the module cache with its Node paths.
    const { NATIVE_LATIN1 } = await import('../../src/utf8.js')
    if (NATIVE_LATIN1) throw new Error('codecWithoutBuffer: the codec was loaded with Buffer before (a static import of it ran first)')
    return codec
  } finally {
    globalThis.Buffer = saved
  }
}
