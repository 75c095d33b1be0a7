/**
 * Downloads a release asset to a file while hashing it (sha256), with progress callbacks and an
 * idle timeout. A partial file is deleted on any failure, so nothing half-downloaded survives.
 * @module
 */
import { createHash } from 'node:crypto'
import { createWriteStream, rmSync } from 'node:fs'
import { once } from 'node:events'
import { CliError } from '../command.js'
import { UnreachableError } from './github.js'

export interface DownloadResult {
  bytes: number
  sha256: string
}

const IDLE_MS = 30_000

/** Streams `url` into `dest`; returns its size and sha256 (hex). */
export async function download(url: string, dest: string, onProgress: (done: number, total: number) => void, signal?: AbortSignal): Promise<DownloadResult> {
  const idle = new AbortController()
  let timer = setTimeout(() => idle.abort(), IDLE_MS)
  const bump = (): void => {
    clearTimeout(timer)
    timer = setTimeout(() => idle.abort(), IDLE_MS)
  }
  const out = createWriteStream(dest, { mode: 0o600 })
  const hash = createHash('sha256')
  let bytes = 0
  try {
    let res: Response
    try {
      res = await fetch(url, { headers: { 'user-agent': 'pionia-rr-setup', accept: 'application/octet-stream' }, signal: signal ? AbortSignal.any([signal, idle.signal]) : idle.signal })
    } catch (err) {
      throw new UnreachableError('RR_ERR_DOWNLOAD', `Cannot download ${url}: ${(err as { cause?: Error }).cause?.message ?? (err as Error).message}`)
    }
    if (!res.ok || !res.body) throw new UnreachableError('RR_ERR_DOWNLOAD', `Download of ${url} failed: HTTP ${res.status}.`)
    const total = Number(res.headers.get('content-length') ?? 0)
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        bump()
        hash.update(chunk)
        bytes += chunk.length
        if (!out.write(chunk)) await once(out, 'drain')
        onProgress(bytes, total)
      }
    } catch (err) {
      throw new CliError('RR_ERR_DOWNLOAD', `Download of ${url} was interrupted after ${bytes} bytes (${(err as { cause?: Error }).cause?.message ?? (err as Error).message}).\nNothing was installed; run the command again.`)
    }
    if (total > 0 && bytes !== total) {
      throw new CliError('RR_ERR_DOWNLOAD', `Download of ${url} was incomplete (${bytes} of ${total} bytes).\nNothing was installed; run the command again.`)
    }
    out.end()
    await once(out, 'finish')
    return { bytes, sha256: hash.digest('hex') }
  } catch (err) {
    out.destroy()
    rmSync(dest, { force: true })
    throw err
  } finally {
    clearTimeout(timer)
  }
}
