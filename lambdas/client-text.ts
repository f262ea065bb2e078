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
