/**
 * A Moonlight app's type → its client's type: switches → services → actions, each action's data
 * from its declared rules (rule-types.ts) and its result from the envelope its method returns.
 * Structural and type only: nothing of the server is imported, so a client bundle carries none of it.
 * @module
 */
import type { DataOf } from './rule-types.js'

/** What an app type must carry: `Moonlight<S>` declares it (type only). */
export interface AppShape {
  readonly '~switches': Record<string, unknown>
}

/** The switches of an app type. */
export type SwitchesOf<App> = App extends { readonly '~switches': infer S } ? S : Record<string, Record<string, unknown>>

/** Version names of an app. */
export type VersionOf<App> = keyof SwitchesOf<App> & string

/** The default switch of the client's types: `v1` when declared, else any declared version. */
export type DefaultVersion<App> = 'v1' extends VersionOf<App> ? 'v1' : VersionOf<App>

type InstanceOf<C> = C extends abstract new (...args: never[]) => infer I ? I : never
type AnyFn = (...args: never[]) => unknown

/** Action names of a service class: its `…Action` methods without the suffix. */
export type ActionNames<C> = {
  [K in keyof InstanceOf<C> & string]: K extends `${infer N}Action` ? (InstanceOf<C>[K] extends AnyFn ? N : never) : never
}[keyof InstanceOf<C> & string]

/** `sendWelcome` → `send_welcome` (metadata may be keyed either way). */
type Snake<S extends string> = S extends `${infer H}${infer T}`
  ? `${H extends Lowercase<H> ? H : `_${Lowercase<H>}`}${Snake<T>}`
  : S

type ActionsOf<C> = C extends { actions?: infer A } ? NonNullable<A> : never

/** The metadata a service declares for one action (`static actions = { create: {...} }`). */
type MetaOf<C, N extends string> = ActionsOf<C> extends infer A
  ? N extends keyof A
    ? A[N]
    : Snake<N> extends keyof A
      ? A[Snake<N>]
      : `${N}Action` extends keyof A
        ? A[`${N}Action`]
        : undefined
  : undefined

/** The data type of one action: from its rules, or any object when it declares none the checker can see. */
export type ActionData<C, N extends string> = MetaOf<C, N> extends { rules?: infer R }
  ? [NonNullable<R>] extends [never]
    ? Record<string, unknown>
    : DataOf<NonNullable<R>>
  : Record<string, unknown>

/** The returnData type of one action: what its method's `response(code, message, data)` carries, else unknown. */
export type ActionResult<C, N extends string> = `${N}Action` extends keyof InstanceOf<C>
  ? InstanceOf<C>[`${N}Action`] extends (...args: never[]) => infer R
    ? Awaited<R> extends { returnCode: number; returnData: infer D }
      ? unknown extends D
        ? unknown
        : Exclude<D, null>
      : unknown
    : unknown
  : unknown

type HasRequired<T> = {} extends T ? false : true

/** One action on the client: data is optional when no field is required. */
export type ActionCall<C, N extends string> =
  HasRequired<ActionData<C, N>> extends true
    ? (data: ActionData<C, N>, init?: CallInit) => Promise<ActionResult<C, N>>
    : (data?: ActionData<C, N>, init?: CallInit) => Promise<ActionResult<C, N>>

/** Per-call options. */
export interface CallInit {
  /** Aborts the request. */
  signal?: AbortSignal
  /** Extra headers for this call. */
  headers?: Record<string, string>
}

/** The client of one service: one method per action. */
export type ServiceClient<C> = { readonly [N in ActionNames<C>]: ActionCall<C, N> }

/** The client of one switch. `$switch(v)` gives the client of another declared switch. */
export type Client<App, V extends VersionOf<App> = DefaultVersion<App>> = {
  readonly [S in keyof SwitchesOf<App>[V] & string]: ServiceClient<SwitchesOf<App>[V][S]>
} & {
  /** The same client on another switch (API version). */
  $switch<W extends VersionOf<App>>(version: W): Client<App, W>
  /** Any call by name, untyped (for names known only at run time). */
  $call(service: string, action: string, data?: Record<string, unknown>, init?: CallInit): Promise<unknown>
  /** The switch this client calls. */
  readonly $version: V
}
