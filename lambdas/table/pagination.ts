import { excerpt } from '../client-text.ts';
import { Invalid } from '../errors.ts';

/** `?limit=` (1–1000, default 100) as SPEC §5 says. */
export function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return 100;
  const problem = limitProblem(raw);
  if (problem) throw new Invalid(`Invalid value at limit: ${problem}`);
  return Number(raw);
}

export function limitProblem(raw: string): string | undefined {
  const limit = Number(raw);
  if (/^\d+$/.test(raw) && limit >= 1 && limit <= 1000) return undefined;
  return `got ${JSON.stringify(excerpt(raw))}, must be an integer from 1 to 1000.`;
}
