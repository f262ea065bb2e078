import { Invalid } from './errors.ts';

/**
 * A small validator for request bodies that reports every problem at once, in Wellcome's words:
 * `Invalid value at .space.id: must not be empty.` Objects are strict: an unknown field is an error
 * naming it, so a misspelt optional field (`"calback"`) is never silently ignored.
 */
export interface Reader<T, Optional extends boolean = false> {
  readonly optional: Optional;
  /** The value, or `undefined` after adding at least one problem to `problems`. */
  read(value: unknown, at: string, problems: string[]): T | undefined;
}

type AnyReader = Reader<unknown, boolean>;
export type Infer<R> = R extends Reader<infer T, boolean> ? T : never;

type RequiredKeys<F> = { [K in keyof F]: F[K] extends Reader<unknown, true> ? never : K }[keyof F];
type OptionalKeys<F> = { [K in keyof F]: F[K] extends Reader<unknown, true> ? K : never }[keyof F];
type ObjectOf<F extends Record<string, AnyReader>> = { [K in RequiredKeys<F>]: Infer<F[K]> } & {
  [K in OptionalKeys<F>]?: Infer<F[K]>;
};

/** `.space.id`; the whole body is `.`. */
const label = (at: string) => at || '.';
export const invalidAt = (at: string, problem: string) => `Invalid value at ${label(at)}: ${problem}`;

/** How much of a client's value an error message may repeat: a 200 MB value is never echoed. */
export const MAX_ECHOED_CHARACTERS = 100;

/** A client's text as a message may repeat it: at most 100 characters, then `…`. */
export function excerpt(text: string, max = MAX_ECHOED_CHARACTERS): string {
  const characters = Array.from(text.slice(0, max * 2 + 2));
  return characters.length > max ? `${characters.slice(0, max).join('')}…` : text;
}

/**
 * A value a client sent, as a message names it: strings quoted and cut to an excerpt, numbers and
 * booleans as written, objects and arrays by kind only, so neither their size nor their nesting
 * (JSON.stringify overflows the stack on a value nested 5,000 deep) reaches the message.
 */
export function quoted(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(excerpt(value));
  if (Array.isArray(value)) return value.length === 0 ? '[]' : 'an array';
  if (typeof value === 'object' && value !== null)
    return Object.keys(value).length === 0 ? '{}' : 'an object';
  return excerpt(String(value));
}

function reader<T>(read: Reader<T>['read']): Reader<T> {
  return { optional: false, read };
}

/** A check returns a problem (`must not contain slashes.`) or undefined. */
export type Check<T> = (value: T) => string | undefined;

export function text(check?: Check<string>): Reader<string> {
  return reader((value, at, problems) => {
    if (typeof value !== 'string') {
      problems.push(invalidAt(at, `expected a string, got ${quoted(value)}.`));
      return undefined;
    }
    const problem = value === '' ? 'must not be empty.' : check?.(value);
    if (problem) {
      problems.push(invalidAt(at, problem));
      return undefined;
    }
    return value;
  });
}

/** One of a fixed set of strings: `got "x", valid values are: create, update.` */
export function oneOf<const V extends string>(values: readonly V[]): Reader<V> {
  return reader((value, at, problems) => {
    if (typeof value === 'string' && (values as readonly string[]).includes(value)) return value as V;
    problems.push(invalidAt(at, `got ${quoted(value)}, valid values are: ${values.join(', ')}.`));
    return undefined;
  });
}

/** The `type` fields of Wellcome's JSON ("Ingest", "Space", ...): optional, but never something else. */
export const typeName = <const V extends string>(name: V) => optional(oneOf([name]));

export function positiveInteger(max = Number.MAX_SAFE_INTEGER): Reader<number> {
  return reader((value, at, problems) => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
      problems.push(invalidAt(at, `expected a positive integer, got ${quoted(value)}.`));
      return undefined;
    }
    if (value > max) {
      problems.push(invalidAt(at, `must be at most ${max}.`));
      return undefined;
    }
    return value;
  });
}

export function boolean(): Reader<boolean> {
  return reader((value, at, problems) => {
    if (typeof value === 'boolean') return value;
    problems.push(invalidAt(at, `expected true or false, got ${quoted(value)}.`));
    return undefined;
  });
}

/** Absent and `null` both mean "not supplied". */
export function optional<T>(inner: Reader<T, boolean>): Reader<T, true> {
  return { optional: true, read: inner.read };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function object<F extends Record<string, AnyReader>>(fields: F): Reader<ObjectOf<F>> {
  return reader((value, at, problems) => {
    if (!isObject(value)) {
      problems.push(invalidAt(at, 'expected a JSON object.'));
      return undefined;
    }
    const before = problems.length;
    const result: Record<string, unknown> = {};
    for (const [name, field] of Object.entries(fields)) {
      const path = `${at}.${name}`;
      const raw = value[name];
      if (raw === undefined || raw === null) {
        if (!field.optional) problems.push(invalidAt(path, 'required property not supplied.'));
        continue;
      }
      const read = field.read(raw, path, problems);
      if (read !== undefined) result[name] = read;
    }
    const unknown = Object.keys(value).filter((name) => !Object.hasOwn(fields, name));
    for (const name of unknown) {
      problems.push(
        invalidAt(
          `${at}.${excerpt(name)}`,
          `unknown field; valid fields are: ${Object.keys(fields).join(', ')}.`,
        ),
      );
    }
    return problems.length === before ? (result as ObjectOf<F>) : undefined;
  });
}

export function array<T>(item: Reader<T>, limits: { min?: number; max?: number } = {}): Reader<T[]> {
  return reader((value, at, problems) => {
    if (!Array.isArray(value)) {
      problems.push(invalidAt(at, 'expected a JSON array.'));
      return undefined;
    }
    const { min = 0, max = Number.MAX_SAFE_INTEGER } = limits;
    if (value.length < min || value.length > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`;
      problems.push(invalidAt(at, `must hold ${range} items, got ${value.length}.`));
      return undefined;
    }
    const before = problems.length;
    const items = value.map((element, index) => item.read(element, `${at}[${index}]`, problems));
    return problems.length === before ? (items as T[]) : undefined;
  });
}

/** Every problem, joined with newlines, as one 400. */
export function rejectIfAny(problems: readonly string[]): void {
  if (problems.length > 0) throw new Invalid(problems.join('\n'));
}

/** Validates a request body, throwing a 400 that lists every problem. */
export function parseRequest<T>(body: unknown, schema: Reader<T>): T {
  if (body === undefined) throw new Invalid('The request needs a JSON body.');
  const problems: string[] = [];
  const value = schema.read(body, '', problems);
  rejectIfAny(problems);
  return value as T;
}
