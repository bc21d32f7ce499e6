/**
 * Tiny runtime checkers for messages crossing a context boundary. Each checker returns the
 * value (typed) or throws a SchemaError naming the path at fault, so a bad message is refused
 * with a reason rather than half-processed. Objects are exact: unknown keys are refused too,
 * which keeps a compromised sender from smuggling fields past a later spread.
 */
export class SchemaError extends Error {
  override readonly name = 'SchemaError';
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`invalid message at ${path}: ${detail}`);
  }
}

export type Check<T> = (value: unknown, path: string) => T;
export type Infer<C> = C extends Check<infer T> ? T : never;

/** Long enough for any chat line or a libotr key file, short enough to bound memory. */
export const MAX_TEXT = 1 << 20;

export function str(max = 4096, min = 0): Check<string> {
  return (v, path) => {
    if (typeof v !== 'string') throw new SchemaError(path, `expected string, got ${typeof v}`);
    if (v.length > max || v.length < min) throw new SchemaError(path, `length ${v.length} outside ${min}..${max}`);
    return v;
  };
}

export function pattern(re: RegExp, max = 256): Check<string> {
  const s = str(max);
  return (v, path) => {
    const out = s(v, path);
    if (!re.test(out)) throw new SchemaError(path, 'does not match the expected form');
    return out;
  };
}

export function int(min = 0, max = Number.MAX_SAFE_INTEGER): Check<number> {
  return (v, path) => {
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new SchemaError(path, 'expected integer');
    if (v < min || v > max) throw new SchemaError(path, `${v} outside ${min}..${max}`);
    return v;
  };
}

export const bool: Check<boolean> = (v, path) => {
  if (typeof v !== 'boolean') throw new SchemaError(path, 'expected boolean');
  return v;
};

export function literal<const T extends readonly (string | number)[]>(...options: T): Check<T[number]> {
  return (v, path) => {
    if (!options.includes(v as string | number)) throw new SchemaError(path, `expected one of ${options.join(', ')}`);
    return v as T[number];
  };
}

export function nullable<T>(c: Check<T>): Check<T | null> {
  return (v, path) => (v === null ? null : c(v, path));
}

export function arr<T>(c: Check<T>, max = 1000): Check<T[]> {
  return (v, path) => {
    if (!Array.isArray(v)) throw new SchemaError(path, 'expected array');
    if (v.length > max) throw new SchemaError(path, `more than ${max} items`);
    return v.map((item, i) => c(item, `${path}[${i}]`));
  };
}

/** Marks a field optional inside obj(); absent and undefined are both accepted. */
export interface Optional<T> {
  optional: Check<T>;
}
export function opt<T>(c: Check<T>): Optional<T> {
  return { optional: c };
}

type Fields = Record<string, Check<unknown> | Optional<unknown>>;
type RequiredKeys<F extends Fields> = { [K in keyof F]: F[K] extends Optional<unknown> ? never : K }[keyof F];
type OptionalKeys<F extends Fields> = { [K in keyof F]: F[K] extends Optional<unknown> ? K : never }[keyof F];
type Unwrap<X> = X extends Optional<infer T> ? T : X extends Check<infer T> ? T : never;
export type ObjOf<F extends Fields> = { [K in RequiredKeys<F>]: Unwrap<F[K]> } & { [K in OptionalKeys<F>]?: Unwrap<F[K]> };

export function obj<F extends Fields>(fields: F): Check<{ [K in keyof ObjOf<F>]: ObjOf<F>[K] }> {
  return (v, path) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new SchemaError(path, 'expected object');
    const input = v as Record<string, unknown>;
    for (const key of Object.keys(input)) {
      if (!Object.hasOwn(fields, key)) throw new SchemaError(`${path}.${key}`, 'unexpected field');
    }
    const out: Record<string, unknown> = {};
    for (const [key, check] of Object.entries(fields)) {
      const value = input[key];
      if (typeof check === 'function') out[key] = check(value, `${path}.${key}`);
      else if (value !== undefined) out[key] = check.optional(value, `${path}.${key}`);
    }
    return out as never;
  };
}
