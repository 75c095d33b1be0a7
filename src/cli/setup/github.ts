/**
 * The GitHub Releases API for roadrunner-server/roadrunner: every page (`Link: rel="next"`), the
 * newest release matching a constraint, and the asset for this machine with its sha256 `digest`.
 * `PIONIA_GITHUB_API` points at another API root (tests run a local server that mimics it);
 * `GITHUB_TOKEN` is sent when set, which lifts the 60 requests/hour anonymous limit.
 * @module
 */
import { CliError } from '../command.js'
import { assetNames, describeTarget, type Target } from './platform.js'
import { compareVersions, isExact, parseVersion, versionMatcher, type Version } from './version.js'

export const DEFAULT_API = 'https://api.github.com'
export const RR_REPO = 'roadrunner-server/roadrunner'

export interface Asset {
  name: string
  browser_download_url: string
  size: number
  /** `sha256:<hex>` (GitHub publishes it for every asset since June 2025). */
  digest?: string | null
}

export interface Release {
  tag_name: string
  draft?: boolean
  prerelease?: boolean
  assets: Asset[]
}

/** A network-level failure (no answer, DNS, timeout): rr:setup may fall back to a Go build. */
export class UnreachableError extends CliError {}

function nextLink(link: string | null): string | undefined {
  return link?.split(',').map((p) => /<([^>]+)>\s*;\s*rel="next"/.exec(p)?.[1]).find(Boolean)
}

/** Fetches every release page; the error messages say what to do (token, rate limit, network). */
export async function listReleases(env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<Release[]> {
  const api = (env.PIONIA_GITHUB_API || DEFAULT_API).replace(/\/$/, '')
  const headers: Record<string, string> = { accept: 'application/vnd.github+json', 'user-agent': 'pionia-rr-setup', 'x-github-api-version': '2022-11-28' }
  if (env.GITHUB_TOKEN) headers.authorization = `Bearer ${env.GITHUB_TOKEN}`
  const releases: Release[] = []
  let url: string | undefined = `${api}/repos/${RR_REPO}/releases?per_page=100`
  for (let page = 0; url && page < 50; page++) {
    let res: Response
    try {
      res = await fetch(url, { headers, signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(20_000)]) : AbortSignal.timeout(20_000) })
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause
      throw new UnreachableError('RR_ERR_UNREACHABLE', `Cannot reach the GitHub API at ${api} (${cause?.code ?? cause?.message ?? (err as Error).message}).`)
    }
    if (res.status === 403 || res.status === 429) {
      const remaining = res.headers.get('x-ratelimit-remaining')
      const reset = Number(res.headers.get('x-ratelimit-reset'))
      const when = Number.isFinite(reset) && reset > 0 ? ` It resets at ${new Date(reset * 1000).toISOString().slice(11, 16)} UTC.` : ''
      const limited = remaining === '0' || res.status === 429
      throw new CliError(
        'RR_ERR_RATE_LIMIT',
        (limited ? `GitHub API rate limit exceeded (HTTP ${res.status}).${when}` : `GitHub API refused the request (HTTP ${res.status}).`) +
          `\n${env.GITHUB_TOKEN ? 'GITHUB_TOKEN is set: check that it is valid, or wait and retry.' : 'Set GITHUB_TOKEN=<a GitHub token> (no scopes needed) and retry.'}` +
          '\nOr build rr locally with --source=go, or adopt a binary with --binary=<path>.',
      )
    }
    if (res.status === 401) {
      throw new CliError('RR_ERR_GITHUB_AUTH', 'GitHub rejected GITHUB_TOKEN (HTTP 401): fix or unset it and retry.')
    }
    if (!res.ok) throw new UnreachableError('RR_ERR_GITHUB', `GitHub API answered HTTP ${res.status} for ${url}.`)
    const body = (await res.json()) as Release[]
    if (!Array.isArray(body)) throw new UnreachableError('RR_ERR_GITHUB', `Unexpected answer from ${url} (not a list of releases).`)
    releases.push(...body)
    url = nextLink(res.headers.get('link'))
  }
  return releases
}

export interface Choice {
  release: Release
  version: string
  asset: Asset
}

/** The newest release matching `constraint` (stable only, unless the constraint is exact) and its asset. */
export function chooseAsset(releases: Release[], constraint: string, target: Target): Choice {
  const matches = versionMatcher(constraint)
  const exact = isExact(constraint)
  const candidates = releases
    .filter((r) => !r.draft && (exact || !r.prerelease))
    .map((r) => ({ r, v: parseVersion(r.tag_name) }))
    .filter((x): x is { r: Release; v: Version } => x.v !== undefined && (exact || !x.v.prerelease) && matches(x.v))
    .sort((a, b) => compareVersions(b.v, a.v))
  const best = candidates[0]
  if (!best) {
    const newest = releases.find((r) => !r.draft && !r.prerelease)?.tag_name
    throw new CliError('RR_ERR_NO_RELEASE', `No RoadRunner release matches "${constraint}"${newest ? ` (newest: ${newest})` : ''}.\nPass another --version, e.g. --version=${newest ?? '2025.1.15'}.`)
  }
  const version = best.r.tag_name.replace(/^v/, '')
  for (const name of assetNames(version, target)) {
    const asset = best.r.assets.find((a) => a.name === name)
    if (asset) return { release: best.r, version, asset }
  }
  const have = best.r.assets.map((a) => a.name).filter((n) => n.startsWith('roadrunner-') && !n.endsWith('.deb'))
  throw new CliError(
    'RR_ERR_NO_ASSET',
    `RoadRunner ${best.r.tag_name} has no binary for ${describeTarget(target)} (looked for ${assetNames(version, target).join(' or ')}).\n` +
      (have.length ? `It publishes: ${have.join(', ')}.\n` : '') +
      'Build rr locally with --source=go, or adopt a binary with --binary=<path>.',
  )
}
