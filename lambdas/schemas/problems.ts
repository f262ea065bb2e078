import type { z } from 'zod';
import { Invalid } from '../errors.ts';
import { excerpt } from '../client-text.ts';

/**
 * Zod issues in Wellcome's words, one line each: `Invalid value at .space.id: must not be empty.`
 * Request bodies are addressed from `.` (the whole body); query parameters by name (`status`).
 */
export const invalidAt = (at: string, problem: string) => `Invalid value at ${at || '.'}: ${problem}`;

/**
 * A message that is a whole line of its own and names its location with `{at}` (Pacifica's
 * `Unknown field at .fileids[0].mode.`, `Duplicate path at …: …`). Only a message that *starts* so
 * counts: client input is only ever quoted further along a message, so it cannot make one.
 */
const WHOLE_LINE = /^[A-Z][A-Za-z ]* at \{at\}/;

const lineOf = (at: string, message: string) =>
  WHOLE_LINE.test(message) ? message.replace('{at}', at || '.') : invalidAt(at, message);

export type Addressing = 'body' | 'query';

function locationOf(path: readonly PropertyKey[], addressing: Addressing): string {
  let at = '';
  for (const segment of path) {
    if (typeof segment === 'number') at += `[${segment}]`;
    else if (addressing === 'query' && at === '') at = excerpt(String(segment));
    else at += `.${excerpt(String(segment))}`;
  }
  return at;
}

/**
 * One problem per location (the first zod raised there), in the order zod found them; an object's
 * unknown fields each get their own line, named by their own location.
 */
export function problemsOf(issues: readonly z.core.$ZodIssue[], addressing: Addressing = 'body'): string[] {
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const issue of issues) {
    const locations =
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((key) => locationOf([...issue.path, key], addressing))
        : [locationOf(issue.path, addressing)];
    for (const at of locations) {
      if (seen.has(at)) continue;
      seen.add(at);
      problems.push(lineOf(at, issue.message));
    }
  }
  return problems;
}

/** Every problem, joined with newlines, as one 400. */
export function rejectIfAny(problems: readonly string[]): void {
  if (problems.length > 0) throw new Invalid(problems.join('\n'));
}

/** Validates a request body, throwing a 400 that lists every problem. */
export function parseRequest<S extends z.ZodType>(body: unknown, schema: S): z.output<S> {
  if (body === undefined) throw new Invalid('The request needs a JSON body.');
  const result = schema.safeParse(body, { reportInput: true });
  if (!result.success) rejectIfAny(problemsOf(result.error.issues));
  return result.data as z.output<S>;
}

/** Validates query parameters (`?status=`), naming each by its name. */
export function parseQuery<S extends z.ZodType>(query: Record<string, string>, schema: S): z.output<S> {
  const result = schema.safeParse(query, { reportInput: true });
  if (!result.success) rejectIfAny(problemsOf(result.error.issues, 'query'));
  return result.data as z.output<S>;
}

/**
 * A stored record (a DynamoDB item, an S3 JSON document) read back: a record that does not match
 * its schema is corruption or a code/data mismatch, never the client's fault, so it is a plain
 * error (a 500 in the API, a failed step in a workflow) naming the record and the first problems.
 */
export function parseStored<S extends z.ZodType>(what: string, value: unknown, schema: S): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data as z.output<S>;
  throw new Error(
    `Stored ${what} does not match its schema: ${problemsOf(result.error.issues).slice(0, 5).join('; ')}`,
  );
}
