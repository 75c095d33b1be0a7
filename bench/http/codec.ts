/**
 * http.v1 codec: protobufjs reflection (decode + toObject, the first cut) against the hand-written
 * codec in src/http/codec.ts, same messages, same process. The hand-written decoder locates the
 * header/cookie/attribute maps and decodes them on first read: measured both without and with
 * reading them.
 *   node --import tsx bench/http/codec.ts
 */
import protobuf from 'protobufjs'
import { descriptor } from '../../src/generated/http-v1.js'
import { decodeRequestContext, encodeRequestContext, encodeResponseContext } from '../../src/http/codec.js'
import { measure, printRatio } from './measure.js'

const root = protobuf.Root.fromJSON(descriptor as unknown as protobuf.INamespace)
const RequestType = root.lookupType('http.v1.Request')
const ResponseType = root.lookupType('http.v1.Response')

// What rr sends for `curl http://127.0.0.1:8080/hello?name=x` from a browser-like client.
const request = encodeRequestContext({
  remote_addr: '127.0.0.1',
  protocol: 'HTTP/1.1',
  method: 'GET',
  uri: 'http://127.0.0.1:8080/hello?name=x',
  raw_query: 'name=x',
  header: {
    Accept: ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'],
    'Accept-Encoding': ['gzip, deflate, br'],
    'Accept-Language': ['en-US,en;q=0.5'],
    Connection: ['keep-alive'],
    'User-Agent': ['Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'],
  },
  cookies: { session: ['abc123'] },
})
const headers: [string, string][] = [
  ['content-type', 'text/plain;charset=UTF-8'],
  ['x-request-id', '9b2f3c1e'],
]

process.stderr.write(`http.v1 codec, node ${process.version}\n\n`)
printRatio(
  await measure('decode Request: protobufjs decode+toObject', () =>
    RequestType.toObject(RequestType.decode(request), { defaults: true, bytes: Buffer as unknown as ArrayConstructor }),
  ),
  await measure('decode Request: hand-written (maps on first read)', () => decodeRequestContext(request)),
)
printRatio(
  await measure('decode Request: protobufjs decode+toObject', () =>
    RequestType.toObject(RequestType.decode(request), { defaults: true, bytes: Buffer as unknown as ArrayConstructor }),
  ),
  await measure('decode Request: hand-written, every map read', () => {
    const c = decodeRequestContext(request)
    return [c.header, c.cookies, c.attributes]
  }),
)
printRatio(
  await measure('encode Response: protobufjs fromObject+encode', () => {
    const map: Record<string, { value: Uint8Array[] }> = {}
    for (const [k, v] of headers) (map[k] ??= { value: [] }).value.push(Buffer.from(v, 'latin1'))
    return ResponseType.encode(ResponseType.fromObject({ status: 200, headers: map })).finish()
  }),
  await measure('encode Response: hand-written', () => encodeResponseContext(200, headers)),
)
