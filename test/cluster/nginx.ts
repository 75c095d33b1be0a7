/**
 * nginx for the cluster trial and tests: Debian's nginx binary, never the system instance. It runs
 * as a non-daemon child (`daemon off`) with its own prefix, pid file, logs and temp dirs in the run
 * directory, and serves deploy/nginx/pionia.conf with only the listen ports, the node addresses and
 * the certificate paths swapped (each swap is checked, so an edit of the shipped file that breaks it
 * fails loudly instead of testing something else).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT, portOpen } from '../helpers/rr.js'
import { alive, waitFor } from '../helpers/process.js'

export const NGINX_SITE = join(ROOT, 'deploy', 'nginx', 'pionia.conf')

export interface NginxOptions {
  dir: string
  httpsPort: number
  httpPort: number
  /** The two rr nodes' http addresses, in the order of the file's two `server` lines. */
  upstreams: [string, string]
  cert: string
  key: string
  detached?: boolean
}

export interface Nginx {
  readonly pid: number
  /** Rewrites the site with these upstreams marked `down` and reloads (see reload()). */
  setDown(down: string[]): Promise<void>
  /**
   * SIGHUP, then waits until every worker of the old configuration has exited: from then on no
   * request and no kept-alive connection uses the old upstream list.
   */
  reload(): Promise<void>
  /** Graceful stop (SIGQUIT), bounded; SIGKILL after 15 s. */
  stop(): Promise<void>
  errorLog(): string
  accessLog(): string
}

/** nginx's path, or an error saying how to install it. */
export function nginxBinary(): string {
  for (const p of ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx']) if (existsSync(p)) return p
  try {
    return execFileSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' }).trim()
  } catch {
    throw new Error('nginx not found: install Debian\'s package (apt-get install -y nginx; bash scripts/ci-services start does it)')
  }
}

/** deploy/nginx/pionia.conf with this run's ports, nodes and certificate. */
export function renderSite(o: Pick<NginxOptions, 'httpsPort' | 'httpPort' | 'upstreams' | 'cert' | 'key'>, down: string[] = []): string {
  let text = readFileSync(NGINX_SITE, 'utf8')
  const swap = (from: string, to: string): void => {
    const n = text.split(from).length - 1
    if (n !== 1) throw new Error(`deploy/nginx/pionia.conf: expected "${from}" once, found ${n} times (scripts/cluster swaps it for the trial)`)
    text = text.replace(from, to)
  }
  const mark = (address: string) => (down.includes(address) ? ' down' : '')
  swap('server 127.0.0.1:8001 max_fails=1 fail_timeout=2s;', `server ${o.upstreams[0]} max_fails=1 fail_timeout=2s${mark(o.upstreams[0])};`)
  swap('server 127.0.0.1:8002 max_fails=1 fail_timeout=2s;', `server ${o.upstreams[1]} max_fails=1 fail_timeout=2s${mark(o.upstreams[1])};`)
  swap('listen 80;', `listen 127.0.0.1:${o.httpPort};`)
  swap('listen [::]:80;\n', '')
  swap('listen 443 ssl http2;', `listen 127.0.0.1:${o.httpsPort} ssl http2;`)
  swap('listen [::]:443 ssl http2;\n', '')
  swap('/etc/ssl/pionia/fullchain.pem', o.cert)
  swap('/etc/ssl/pionia/privkey.pem', o.key)
  return text
}

function mainConfig(dir: string): string {
  const temp = (name: string) => join(dir, 'temp', name)
  return `# Written by test/cluster/nginx.ts for one trial run; the site is deploy/nginx/pionia.conf.
daemon off;
master_process on;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} notice;
# A reload or stop waits for in-flight requests, at most this long.
worker_shutdown_timeout 15s;

events {
    worker_connections 1024;
}

http {
    log_format upstream '$remote_addr [$time_local] "$request" $status $body_bytes_sent '
                        'upstream=$upstream_addr upstream_status=$upstream_status rt=$request_time';
    access_log ${join(dir, 'access.log')} upstream;
    client_body_temp_path ${temp('body')};
    proxy_temp_path ${temp('proxy')};
    fastcgi_temp_path ${temp('fastcgi')};
    uwsgi_temp_path ${temp('uwsgi')};
    scgi_temp_path ${temp('scgi')};
    include ${join(dir, 'pionia.conf')};
}
`
}

/** Worker pids of an nginx master (its children). */
function workersOf(master: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(master)], { encoding: 'utf8' })
      .split('\n')
      .map((l) => Number(l.trim()))
      .filter((n) => n > 0)
  } catch {
    return []
  }
}

const children = new Set<ChildProcess>()
process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL')
})

export async function startNginx(o: NginxOptions): Promise<Nginx> {
  const bin = nginxBinary()
  mkdirSync(join(o.dir, 'temp'), { recursive: true })
  for (const t of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(o.dir, 'temp', t), { recursive: true })
  chmodSync(o.dir, 0o755)
  chmodSync(join(o.dir, 'temp'), 0o777)
  const conf = join(o.dir, 'nginx.conf')
  const site = join(o.dir, 'pionia.conf')
  writeFileSync(site, renderSite(o))
  writeFileSync(conf, mainConfig(o.dir))
  const errorLog = join(o.dir, 'error.log')
  execFileSync(bin, ['-t', '-q', '-p', o.dir + '/', '-c', conf, '-e', errorLog], { stdio: 'pipe' })
  const out = o.detached ? openSync(join(o.dir, 'nginx.out'), 'a') : undefined
  const child = spawn(bin, ['-p', o.dir + '/', '-c', conf, '-e', errorLog], {
    stdio: out === undefined ? ['ignore', 'ignore', 'pipe'] : ['ignore', out, out],
    detached: o.detached,
  })
  let stderr = ''
  if (out !== undefined) {
    closeSync(out)
    child.unref()
  } else {
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
    children.add(child)
  }
  const exited = new Promise<void>((r) => child.once('exit', () => (children.delete(child), r())))
  const pid = child.pid!
  const read = (f: string) => (existsSync(join(o.dir, f)) ? readFileSync(join(o.dir, f), 'utf8') : '')
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${stderr}${read('error.log')}`)
    return workersOf(pid).length > 0 && (await portOpen(o.httpsPort))
  }, `nginx on 127.0.0.1:${o.httpsPort}`, 20_000)

  const nginx: Nginx = {
    pid,
    async reload() {
      const old = workersOf(pid)
      process.kill(pid, 'SIGHUP')
      await waitFor(() => {
        const now = workersOf(pid)
        return old.every((w) => !now.includes(w) || !alive(w)) && now.length > 0
      }, 'nginx to replace its workers after a reload', 30_000)
    },
    async setDown(down) {
      writeFileSync(site, renderSite(o, down))
      await nginx.reload()
    },
    async stop() {
      if (!alive(pid)) return
      process.kill(pid, 'SIGQUIT')
      const t = setTimeout(() => alive(pid) && process.kill(pid, 'SIGKILL'), 15_000)
      if (o.detached) await waitFor(() => !alive(pid), 'nginx to exit', 20_000)
      else await exited
      clearTimeout(t)
    },
    errorLog: () => read('error.log'),
    accessLog: () => read('access.log'),
  }
  return nginx
}
