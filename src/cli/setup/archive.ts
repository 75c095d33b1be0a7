/**
 * Takes the `rr` (or `rr.exe`) binary out of a RoadRunner release archive: a streaming tar.gz
 * reader (ustar, GNU long names, pax headers) and a zip reader (stored or deflated entries). Release
 * archives hold `roadrunner-<ver>-<os>-<arch>/rr` plus docs; only the binary is written.
 * @module
 */
import { createReadStream, createWriteStream, readFileSync, rmSync, type WriteStream } from 'node:fs'
import { once } from 'node:events'
import { createGunzip, inflateRawSync } from 'node:zlib'
import { basename } from 'node:path'
import { CliError } from '../command.js'

const BLOCK = 512

const isBinary = (name: string): boolean => basename(name) === 'rr' || basename(name) === 'rr.exe'

function octal(buf: Buffer, start: number, len: number): number {
  // Sizes over 8 GiB use base-256 (high bit set); rr is far smaller, but read it correctly anyway.
  if (buf[start]! & 0x80) {
    let n = 0
    for (let i = start + 1; i < start + len; i++) n = n * 256 + buf[i]!
    return n
  }
  const s = buf.toString('latin1', start, start + len).replace(/\0.*$/s, '').trim()
  return s ? parseInt(s, 8) : 0
}

function cString(buf: Buffer, start: number, len: number): string {
  const end = buf.indexOf(0, start)
  return buf.toString('utf8', start, end >= 0 && end < start + len ? end : start + len)
}

/** Extracts the rr binary from a .tar.gz into `dest`; false if the archive has none. */
export async function extractFromTarGz(archive: string, dest: string): Promise<boolean> {
  const gunzip = createReadStream(archive).pipe(createGunzip())
  let buf: Buffer = Buffer.alloc(0)
  let remaining = 0 // body bytes of the current entry still to come
  let skip = 0 // padding after the body
  let out: WriteStream | undefined
  let meta: Buffer[] | undefined // body of a GNU long-name / pax header, kept in memory
  let metaType = ''
  let nextName: string | undefined
  let found = false
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk
      for (;;) {
        if (remaining > 0) {
          if (!buf.length) break
          const take = Math.min(remaining, buf.length)
          const part = buf.subarray(0, take)
          if (out && !out.write(part)) await once(out, 'drain')
          if (meta) meta.push(Buffer.from(part))
          remaining -= take
          buf = buf.subarray(take)
          if (remaining > 0) break
          if (out) {
            out.end()
            await once(out, 'close')
            out = undefined
            found = true
          }
          if (meta) {
            const text = Buffer.concat(meta).toString('utf8')
            nextName = metaType === 'L' ? text.replace(/\0.*$/s, '') : (/(?:^|\n)\d+ path=([^\n]*)\n/.exec(text)?.[1] ?? nextName)
            meta = undefined
          }
        }
        if (skip > 0) {
          const take = Math.min(skip, buf.length)
          skip -= take
          buf = buf.subarray(take)
          if (skip > 0) break
        }
        if (found) return true
        if (buf.length < BLOCK) break
        const header = buf.subarray(0, BLOCK)
        buf = buf.subarray(BLOCK)
        if (header.every((b) => b === 0)) return false // end-of-archive marker
        const size = octal(header, 124, 12)
        const type = String.fromCharCode(header[156] || 48)
        const prefix = cString(header, 345, 155)
        const name = nextName ?? (prefix ? `${prefix}/${cString(header, 0, 100)}` : cString(header, 0, 100))
        if (type !== 'L' && type !== 'x') nextName = undefined
        remaining = size
        skip = (BLOCK - (size % BLOCK)) % BLOCK
        if (type === 'L' || type === 'x') {
          meta = []
          metaType = type
        } else if ((type === '0' || type === '7') && isBinary(name)) {
          out = createWriteStream(dest, { mode: 0o755 })
          if (size === 0) {
            out.end()
            await once(out, 'close')
            return true
          }
        }
      }
    }
  } catch (err) {
    if (err instanceof CliError) throw err
    throw new CliError('RR_ERR_ARCHIVE', `${basename(archive)} is not a valid tar.gz archive (${(err as Error).message}).`)
  } finally {
    if (out) {
      // Cut short mid-file: drop the partial binary (and the write error a destroyed stream reports).
      out.on('error', () => {})
      out.destroy()
      rmSync(dest, { force: true })
    }
  }
  if (remaining > 0) throw new CliError('RR_ERR_ARCHIVE', `${basename(archive)} ends in the middle of a file: the archive is truncated.`)
  return found
}

/** Extracts the rr binary from a .zip into `dest`; false if the archive has none. */
export async function extractFromZip(archive: string, dest: string): Promise<boolean> {
  const zip = readFileSync(archive)
  let eocd = -1
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 65535); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i
      break
    }
  }
  if (eocd < 0) throw new CliError('RR_ERR_ARCHIVE', `${basename(archive)} is not a valid zip archive (no end-of-directory record).`)
  const count = zip.readUInt16LE(eocd + 10)
  let p = zip.readUInt32LE(eocd + 16)
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new CliError('RR_ERR_ARCHIVE', `${basename(archive)} has a corrupt central directory.`)
    const method = zip.readUInt16LE(p + 10)
    const compSize = zip.readUInt32LE(p + 20)
    const nameLen = zip.readUInt16LE(p + 28)
    const extraLen = zip.readUInt16LE(p + 30)
    const commentLen = zip.readUInt16LE(p + 32)
    const local = zip.readUInt32LE(p + 42)
    const name = zip.toString('utf8', p + 46, p + 46 + nameLen)
    p += 46 + nameLen + extraLen + commentLen
    if (!isBinary(name)) continue
    const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28)
    const data = zip.subarray(dataStart, dataStart + compSize)
    const body = method === 0 ? data : method === 8 ? inflateRawSync(data) : undefined
    if (!body) throw new CliError('RR_ERR_ARCHIVE', `${name} in ${basename(archive)} uses zip method ${method}, which rr:setup cannot read.`)
    const out = createWriteStream(dest, { mode: 0o755 })
    out.end(body)
    await once(out, 'close')
    return true
  }
  return false
}

/** Extracts rr from `archive` (by its name: .zip, else tar.gz) into `dest`. */
export async function extractRr(archive: string, assetName: string, dest: string): Promise<void> {
  const ok = assetName.endsWith('.zip') ? await extractFromZip(archive, dest) : await extractFromTarGz(archive, dest)
  if (!ok) throw new CliError('RR_ERR_ARCHIVE', `${assetName} holds no rr binary: the release asset is not a RoadRunner archive.`)
}
