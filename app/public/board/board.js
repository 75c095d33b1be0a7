// The DeskFlow board: lists tasks through the Moonlight API (with pionia/client, served next to this
// file as pionia-client.js) and adds new ones live from Centrifugo. A browser ES module, no build
// step; `Centrifuge` comes from centrifuge.js, loaded before it.
import { createClient } from './pionia-client.js'

{
  const rows = document.getElementById('tasks')
  const status = document.getElementById('status')
  const shown = new Set()

  function setState(state, text) {
    document.body.dataset.state = state
    status.textContent = text
  }

  function addTask(task, isNew) {
    if (!task || shown.has(task.id)) return
    shown.add(task.id)
    const tr = document.createElement('tr')
    tr.dataset.taskId = String(task.id)
    if (isNew) tr.className = 'new'
    for (const value of [task.id, task.title, task.status, task.assignee]) {
      const td = document.createElement('td')
      td.textContent = value == null ? '' : String(value)
      tr.appendChild(td)
    }
    rows.appendChild(tr)
  }

  async function listTasks(apiPath) {
    // config.api is `<API_BASE><switch>/`, e.g. /api/v1/: the client's apiBase and version.
    const [, apiBase, version] = /^(.*\/)([^/]+)\/$/.exec(apiPath) || [null, '/api/', 'v1']
    const api = createClient(location.origin, { apiBase, version })
    const { tasks } = await api.task.list({ limit: 100 })
    for (const task of tasks) addTask(task, false)
  }

  async function start() {
    const config = await (await fetch('config.json', { cache: 'no-store' })).json()
    if (!config.enabled) return setState('error', 'realtime is off ([realtime] ENABLED = false)')
    if (!config.websocket) return setState('error', 'set [realtime] WEBSOCKET_URL to Centrifugo\'s WebSocket endpoint')

    const client = new Centrifuge(config.websocket)
    client.on('connecting', () => setState('connecting', 'connecting…'))
    client.on('disconnected', (ctx) => setState('error', 'disconnected: ' + ctx.reason))
    // Subscribe before listing, so a task created in between is not missed (rows are de-duplicated).
    const subscribed = config.channels.map((channel) => {
      const sub = client.newSubscription(channel)
      sub.on('publication', (ctx) => {
        if (ctx.data && ctx.data.event === 'task.created') addTask(ctx.data.task, true)
      })
      sub.subscribe()
      return sub.ready(10000)
    })
    client.connect()
    await Promise.all(subscribed)
    await listTasks(config.api)
    setState('live', 'live')
  }

  start().catch((err) => setState('error', String(err && err.message ? err.message : err)))
}
