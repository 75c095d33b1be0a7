/**
 * CRC-32/IEEE (the zlib/PNG CRC: reflected polynomial 0xEDB88320, init and final xor 0xFFFFFFFF).
 * Goridge checksums only header bytes 0..5, so a 256-entry table over six bytes is all it takes;
 * it beats a call into zlib for inputs this short.
 * @module
 */

const TABLE = /* @__PURE__ */ (() => {
  const t = new Int32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[n] = c
  }
  return t
})()

/**
 * Computes the CRC-32/IEEE of `bytes[start..end)`.
 * @returns the checksum as an unsigned 32-bit number
 * @example
 * import { crc32 } from 'pionia/goridge'
 * crc32(Buffer.from('123456789')) // 0xcbf43926
 */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = -1
  for (let i = start; i < end; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8)
  return (c ^ -1) >>> 0
}
