/**
 * Too many multipart parts through the real rr + DeskFlow. With the shipped `http.raw_body: true` the
 * worker parses the form and answers a 413 envelope over MAX_FORM_PARTS (1,000, Go's limit); at the
 * limit the call goes through. With `raw_body: false` rr parses the form itself and answers a plain
 * 500 before any worker runs (an rr limitation, documented in RELIABILITY.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDeskflow, type DeskflowStack } from './stack.js'

function form(parts: number, files = false): FormData {
  const fd = new FormData()
  fd.set('service', 'task')
  fd.set('action', 'list')
  for (let i = 2; i < parts; i++) {
    if (files) fd.append(`f${i}`, new Blob(['x']), `f${i}.txt`)
    else fd.append(`f${i}`, 'x')
  }
  return fd
}

describe('multipart forms with too many parts', () => {
  let stack: DeskflowStack
  beforeAll(async () => {
    stack = await startDeskflow({ workers: 1 })
  })
  afterAll(async () => {
    await stack?.stop()
  })

  it('over 1,000 parts (fields or files): 413 JSON envelope naming the limit; 1,000 parts: answered; the worker lives on', async () => {
    const pids = await stack.pids()
    for (const files of [false, true]) {
      const r = await stack.send('/api/v1/', { method: 'POST', body: form(1001, files) })
      expect(r.status).toBe(413)
      expect(r.headers.get('content-type')).toMatch(/application\/json/)
      expect(r.body).toMatchObject({ returnCode: 413, returnData: null })
      expect(r.body!.returnMessage).toBe('The form has 1001 parts; at most 1000 are accepted: send fewer fields and files per request (or JSON)')
    }
    expect((await stack.send('/api/v1/', { method: 'POST', body: form(1000) })).status).toBe(200)
    expect(await stack.pids()).toEqual(pids)
  })
})

describe('rr parsing forms itself (http.raw_body: false)', () => {
  it("over 1,000 parts: rr's own plain 500 (multipart: message too large), no worker involved", async () => {
    const stack = await startDeskflow({ workers: 1, edit: (c) => void (c.http.raw_body = false) })
    try {
      const r = await stack.send('/api/v1/', { method: 'POST', body: form(1001) })
      expect(r.status).toBe(500)
      expect(r.text).toContain('multipart: message too large')
      // rr writes its log line around the time it answers: wait for it rather than read it at once.
      await stack.rr.waitForOutput(/request forming error/, 10_000)
      expect(stack.rr.output()).toContain('request forming error')
    } finally {
      await stack.stop()
    }
  })
})
