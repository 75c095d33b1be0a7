// The DeskFlow board: lists tasks through the Moonlight API and adds new ones live from Centrifugo.
// Plain browser JavaScript (no build step); `Centrifuge` comes from centrifuge.js, served next to it.
(function () {
  'use strict'
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

  async function listTasks(api) {
    const res = await fetch(api, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ service: 'task', action: 'list', limit: 100 }),
    })
    const envelope = await res.json()
    if (envelope.returnCode !== 0) throw new Error(envelope.returnMessage || 'task.list failed')
    for (const task of envelope.returnData.tasks) addTask(task, false)
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
})()
