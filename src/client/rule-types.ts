/**
 * Moonlight's rule grammar read by the type checker: a rules map (`{ title: 'required|string|min:3' }`)
 * becomes the TypeScript type of the data an action takes. Type only: nothing here runs.
 *
 * `integer`/`int`/`numeric`/`number`/`float` → number, `boolean`/`bool` → boolean, `array` →
 * unknown[], `in:a,b` → `'a' | 'b'`, `string`/`email`/`url`/`date`/… → string, anything else →
 * unknown. A field is required exactly when its rules say `required`, as the validator decides;
 * otherwise (`sometimes`, `nullable`, or no `required`) it is optional, and `nullable` admits null. A rule string the checker cannot see (built at run time, typed
 * `string`) gives an optional field of type unknown.
 * @module
 */

/** `'a|b|c'` → `'a' | 'b' | 'c'` (`regex:` swallows the rest, as the validator does). */
type SplitRules<S extends string> = S extends `regex:${string}`
  ? S
  : S extends `${infer H}|${infer T}`
    ? H | SplitRules<T>
    : S

type SplitComma<S extends string> = S extends `${infer H},${infer T}` ? Trim<H> | SplitComma<T> : Trim<S>
type Trim<S extends string> = S extends ` ${infer R}` ? Trim<R> : S extends `${infer R} ` ? Trim<R> : S

/** The rules of one field as a union of rule strings. */
export type RuleUnion<Spec> = Spec extends string
  ? SplitRules<Spec>
  : Spec extends readonly (infer R extends string)[]
    ? R
    : never

type Name<R> = R extends `${infer N}:${string}` ? N : R

type NumberRule = 'integer' | 'int' | 'numeric' | 'number' | 'float'
type BooleanRule = 'boolean' | 'bool'
type StringRule =
  | 'string' | 'email' | 'url' | 'slug' | 'uuid' | 'ulid' | 'date' | 'ip' | 'otp' | 'token' | 'password' | 'phone' | 'regex' | 'confirmed'

type InValues<U> = U extends `in:${infer L}` ? SplitComma<L> : never

type BaseType<N> = [Extract<N, NumberRule>] extends [never]
  ? [Extract<N, BooleanRule>] extends [never]
    ? [Extract<N, 'array'>] extends [never]
      ? [Extract<N, StringRule>] extends [never]
        ? unknown
        : string
      : unknown[]
    : boolean
  : number

/** The value type of one field's rules. */
export type FieldType<Spec> = string extends RuleUnion<Spec>
  ? unknown
  : [InValues<RuleUnion<Spec>>] extends [never]
    ? WithNull<BaseType<Name<RuleUnion<Spec>>>, Spec>
    : WithNull<InValues<RuleUnion<Spec>>, Spec>

type WithNull<T, Spec> = 'nullable' extends RuleUnion<Spec> ? T | null : T

/** True when the field must be sent: its rules say `required` (the validator then refuses a missing, null or empty value). */
export type IsRequired<Spec> = string extends RuleUnion<Spec> ? false : 'required' extends RuleUnion<Spec> ? true : false

type Flat<T> = { [K in keyof T]: T[K] } & {}

/** A rules map → the data type: required fields first, the others optional. */
export type DataOf<Rules> = string extends keyof Rules
  ? Record<string, unknown>
  : Flat<
      { -readonly [K in keyof Rules as IsRequired<Rules[K]> extends true ? K : never]: FieldType<Rules[K]> } & {
        -readonly [K in keyof Rules as IsRequired<Rules[K]> extends true ? never : K]?: FieldType<Rules[K]>
      }
    >
