/**
 * rr's start failures in plain words: after rr's own error, one sentence with the cause and the fix
 * for the common ones. And rr's ANSI colours, removed when the output gets none.
 * @module
 */

const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g

/** `line` without ANSI escape sequences. */
export function stripAnsi(line: string): string {
  return line.includes('\x1b') ? line.replace(ANSI, '') : line
}

/** One sentence (cause + fix) for rr's last lines when they show a known start failure. */
export function explainStartFailure(lines: string[], configName = '.rr.yaml'): string | undefined {
  const text = lines.map(stripAnsi).join('\n')
  const busy = /listen tcp4?6? ([^\s:]*:\d+): bind: address already in use/.exec(text) ?? /([\d.]+:\d+).*address already in use/.exec(text)
  if (busy) {
    return `Cause: another process already listens on ${busy[1]}. Fix: stop it (an app started earlier: npx pionia stopserver), or give this app another address for that listener in ${configName}.`
  }
  if (/static_pool_allocate_workers|WorkerAllocate|worker_watcher_allocate|failed to allocate/i.test(text)) {
    const plugin = /plugin \*(\w+)\.Plugin/.exec(text)?.[1]
    return (
      `Cause: rr could not start its ${plugin ? `${plugin} ` : ''}workers: the worker process exited at once (it crashed at start, or has no handler for RR_MODE=${plugin ?? '<the section>'}).` +
      ` Fix: run the worker by hand (node --import tsx worker.ts) to see its error, and give serve() a handler for each worker section of ${configName}, or remove the section.`
    )
  }
  if (/While parsing config|yaml: |unmarshal|config_plugin_init|parse.*config/i.test(text)) {
    return `Cause: rr could not read its config. Fix: correct the YAML at the line rr names above in ${configName} (indentation, quotes), or restore it from your last working copy.`
  }
  if (/unknown plugin|plugin.*not (?:found|registered)|no such plugin|unknown command|unknown flag/i.test(text)) {
    return `Cause: the config or command line names something this rr binary does not have. Fix: remove that section or option from ${configName}, or install an rr build that includes the plugin (npx pionia rr:setup --force).`
  }
  return undefined
}
