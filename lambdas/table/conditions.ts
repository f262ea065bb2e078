/** A conditional write whose condition was false: the expected outcome of a lost race, not a fault. */
export function isConditionFailure(error: unknown): boolean {
  return (error as Error).name === 'ConditionalCheckFailedException';
}
