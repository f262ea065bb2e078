/**
 * The name a bundle downloads as: the client's `?filename=` made safe for a quoted
 * Content-Disposition value, or Pacifica's default `data_YYYY_MM_DD_HH_MM_SS.tar` (UTC, now).
 */
const MAX_FILENAME_LENGTH = 200;

export function defaultBundleFilename(now = new Date()): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const parts = [
    now.getUTCFullYear(),
    two(now.getUTCMonth() + 1),
    two(now.getUTCDate()),
    two(now.getUTCHours()),
    two(now.getUTCMinutes()),
    two(now.getUTCSeconds()),
  ];
  return `data_${parts.join('_')}.tar`;
}

/**
 * Keeps the last path segment (a name, never a path), then only characters that need no quoting or
 * encoding in a header; anything else becomes "_". Leading dots go, so the result is never hidden.
 */
export function bundleFilename(requested: string | undefined, now = new Date()): string {
  const name = (requested ?? '')
    .split(/[/\\]/)
    .pop()!
    .replace(/[^A-Za-z0-9._ ()+,=@-]/g, '_')
    .replace(/^[.\s]+/, '')
    .trim()
    .slice(0, MAX_FILENAME_LENGTH);
  return name === '' || /^_+$/.test(name) ? defaultBundleFilename(now) : name;
}
