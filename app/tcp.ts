/**
 * DeskFlow's line protocol over rr's tcp plugin (the commented `tcp:` section of .rr.yaml): one
 * command a line, "\n"-delimited, for scripts and terminals (`nc 127.0.0.1 7070`).
 *   TASKS  -> the titles of the open tasks, one a line, then "."
 *   QUIT   -> "BYE", and the connection closes
 * Anything else answers one "ERR ..." line naming the commands.
 */
import { TcpReply } from '../src/tcp/reply.js'
import type { TcpHandler } from '../src/tcp/serve.js'
import type { Moonlight } from '../src/moonlight/index.js'

/** The handler for `serve({ tcp })`; it reads the tasks through the app's own connection pool. */
export function deskflowTcp(app: Moonlight): TcpHandler {
  return async (event) => {
    if (event.type === 'connected') return TcpReply.write('DESKFLOW ready: TASKS or QUIT\n')
    if (event.type !== 'data') return
    const out: string[] = []
    for (const message of event.messages()) {
      const command = message.trim().toUpperCase()
      if (command === 'TASKS') {
        const db = await app.db.connection()
        const rows = await db.all<{ title: string }>("SELECT title FROM tasks WHERE status = 'open' ORDER BY id")
        out.push(...rows.map((r) => r.title.replace(/[\r\n]+/g, ' ')), '.')
      } else if (command === 'QUIT') {
        return TcpReply.writeAndClose([...out, 'BYE'].join('\n') + '\n')
      } else if (command !== '') {
        out.push(`ERR unknown command "${message.trim().slice(0, 40)}": send TASKS or QUIT`)
      }
    }
    return out.length ? out.join('\n') + '\n' : undefined
  }
}
