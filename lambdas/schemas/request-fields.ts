import { z } from 'zod';
import { quoted } from '../client-text.ts';

/**
 * The field kinds of request bodies, as zod schemas whose messages are the API's error texts
 * (problems.ts puts the location in front). Objects are strict: an unknown field is an error naming
 * it, so a misspelt optional field (`"calback"`) is never silently ignored. `null` is read as "not
 * supplied", like an absent field.
 */
export const REQUIRED = 'required property not supplied.';

type Issue = { code?: string; input?: unknown };
const absent = (issue: Issue) => issue.input === undefined || issue.input === null;

/** A check returns a problem (`must not contain slashes.`) or undefined. */
export type Check<T> = (value: T) => string | undefined;

function checked<T>(check: Check<T>) {
  return (value: T, context: z.RefinementCtx) => {
    const problem = check(value);
    if (problem) context.addIssue({ code: 'custom', message: problem, input: value });
  };
}

/** A non-empty string, and whatever `check` says of it. */
export function text(check?: Check<string>) {
  return z
    .string({
      error: (issue) => (absent(issue) ? REQUIRED : `expected a string, got ${quoted(issue.input)}.`),
    })
    .superRefine(checked((value) => (value === '' ? 'must not be empty.' : check?.(value))));
}

/** One of a fixed set of strings: `got "x", valid values are: create, update.` */
export function oneOf<const V extends string>(values: readonly [V, ...V[]]) {
  return z.enum(values, {
    error: (issue) =>
      absent(issue) ? REQUIRED : `got ${quoted(issue.input)}, valid values are: ${values.join(', ')}.`,
  });
}

/** Absent and `null` both mean "not supplied". */
export const optional = <S extends z.ZodType>(inner: S) => inner.nullish();

/** The `type` fields of Wellcome's JSON ("Ingest", "Space", ...): optional, but never something else. */
export const typeName = <const V extends string>(name: V) => optional(oneOf([name]));

export function positiveInteger(max = Number.MAX_SAFE_INTEGER) {
  const expected = (issue: Issue) =>
    absent(issue) ? REQUIRED : `expected a positive integer, got ${quoted(issue.input)}.`;
  return z
    .int({ error: expected })
    .min(1, { error: expected })
    .max(max, { error: () => `must be at most ${max}.` });
}

export const boolean = () =>
  z.boolean({
    error: (issue) => (absent(issue) ? REQUIRED : `expected true or false, got ${quoted(issue.input)}.`),
  });

export function object<Shape extends z.ZodRawShape>(shape: Shape) {
  const fields = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys') return `unknown field; valid fields are: ${fields}.`;
      return absent(issue) ? REQUIRED : 'expected a JSON object.';
    },
  });
}

export function array<S extends z.ZodType>(item: S, limits: { min?: number; max?: number } = {}) {
  const { min = 0, max = Number.MAX_SAFE_INTEGER } = limits;
  const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`;
  const count = (issue: Issue) =>
    `must hold ${range} items, got ${Array.isArray(issue.input) ? issue.input.length : 0}.`;
  return z
    .array(item, { error: (issue) => (absent(issue) ? REQUIRED : 'expected a JSON array.') })
    .min(min, { error: count })
    .max(max, { error: count });
}
