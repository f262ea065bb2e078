/** A mistake in how the command was called: exit 2, with the message naming what was wrong. */
export class UsageError extends Error {}
