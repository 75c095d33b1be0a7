/**
 * rr's parsed form body (`parsed: true`): urlencoded and multipart fields arrive as a JSON tree
 * with PHP key rules (`a[b]=1` → `{"a":{"b":"1"}}`, `a[]=1&a[]=2` → `{"a":["1","2"]}`; a plain
 * repeated key keeps only its last value). {@link toFormData} turns the tree and the uploads back
 * into a `FormData` with bracketed names, so `request.formData()` works as on any server.
 * @module
 */
import type { UploadTree } from './uploads.js'

/** A parsed form: field → value, list or nested fields. */
export interface FormTree {
  [field: string]: string | FormTree | Array<string | FormTree>
}

/** Parses the body rr sent for a parsed form (empty body → empty tree). */
export function parseFormTree(body: Uint8Array): FormTree {
  if (body.length === 0) return {}
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8')
  const tree: unknown = JSON.parse(text)
  return tree && typeof tree === 'object' && !Array.isArray(tree) ? (tree as FormTree) : {}
}

function add(fd: FormData, name: string, value: unknown): void {
  if (value instanceof File) fd.append(name, value)
  else if (Array.isArray(value)) for (const v of value) add(fd, `${name}[]`, v)
  else if (value && typeof value === 'object') {
    if ('error' in value && 'reason' in value) return // a failed upload has no file to append
    for (const [k, v] of Object.entries(value)) add(fd, `${name}[${k}]`, v)
  } else if (value !== undefined && value !== null) fd.append(name, String(value))
}

/** Builds `FormData` from rr's form tree and upload tree (file-backed `File` entries). */
export function toFormData(form: FormTree, uploads: UploadTree = {}): FormData {
  const fd = new FormData()
  for (const [k, v] of Object.entries(form)) add(fd, k, v)
  for (const [k, v] of Object.entries(uploads)) add(fd, k, v)
  return fd
}
