/**
 * Uploaded files as `File` objects. rr writes every multipart file part to a temp file and sends a
 * JSON tree describing them (`{name, mime, size, error, tmpName}` leaves, PHP-style nesting). Each
 * good upload becomes a file-backed `File`: nothing is read until the handler reads it.
 *
 * rr deletes the temp files when the response is finished: read, copy or move the contents before
 * returning the response (a read afterwards fails with NotReadableError). `File.name` is the
 * client's filename: show it, never use it as a path.
 * @module
 */
import { openAsBlob } from 'node:fs'
import { isAbsolute } from 'node:path'

/** PHP-compatible upload error codes rr reports. */
export const UPLOAD_ERRORS: Readonly<Record<number, string>> = {
  4: 'no file was uploaded (rr could not open the part)',
  6: 'rr could not create a temp file (check http.uploads.dir)',
  7: 'rr could not write the temp file (disk full or permissions)',
  8: 'the file extension is not allowed (http.uploads.forbid / allow)',
}

/** An upload rr could not store. */
export interface FailedUpload {
  /** The client's filename (never a path to use). */
  readonly name: string
  readonly type: string
  /** rr's error code (4, 6, 7, 8). */
  readonly error: number
  /** What the code means and what to change. */
  readonly reason: string
}

/** One upload: a readable `File`, or why there is none. */
export type Upload = File | FailedUpload

/** Uploads keyed like the form fields (`file`, `files[]` → array, `doc[a]` → nested). */
export interface UploadTree {
  [field: string]: Upload | UploadTree | Array<Upload | UploadTree>
}

interface RrUpload {
  name: string
  mime: string
  size: number
  error: number
  tmpName: string
}

function isLeaf(x: unknown): x is RrUpload {
  return x !== null && typeof x === 'object' && 'tmpName' in x && 'error' in x
}

async function toUpload(u: RrUpload): Promise<Upload> {
  const type = u.mime ?? ''
  if (u.error !== 0 || !u.tmpName) {
    return { name: u.name, type, error: u.error, reason: UPLOAD_ERRORS[u.error] ?? `upload error ${u.error}` }
  }
  if (!isAbsolute(u.tmpName)) throw new Error(`rr sent an upload temp path that is not absolute: ${JSON.stringify(u.tmpName)}`)
  const blob = await openAsBlob(u.tmpName, { type })
  return new File([blob], u.name, { type })
}

async function walk(node: unknown): Promise<unknown> {
  if (isLeaf(node)) return toUpload(node)
  if (Array.isArray(node)) return Promise.all(node.map(walk))
  if (node && typeof node === 'object') {
    const out: Record<string, unknown> = {}
    await Promise.all(
      Object.entries(node).map(async ([k, v]) => {
        out[k] = await walk(v)
      }),
    )
    return out
  }
  return node
}

/** Opens rr's upload JSON (the `uploads` field of the request context) as a tree of `File`s. */
export async function openUploads(json: Uint8Array): Promise<UploadTree> {
  if (json.length === 0) return {}
  const tree: unknown = JSON.parse(Buffer.from(json.buffer, json.byteOffset, json.byteLength).toString('utf8'))
  if (!tree || typeof tree !== 'object') return {}
  return (await walk(tree)) as UploadTree
}

/** True for an upload that has a readable file. */
export function isFile(u: unknown): u is File {
  return u instanceof File
}
