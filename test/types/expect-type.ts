/**
 * The type-test assertion the files of test/types/ share (compiled by the build, never run).
 */

/** Exact type equality (both directions, including `any` and `unknown` told apart). */
export type Equals<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false

/** `expectType<T>()(value)` compiles only when `value`'s type is exactly `T`. */
export function expectType<T>(): <V>(value: V & (Equals<V, T> extends true ? unknown : never)) => void {
  return () => {}
}
