/**
 * Domain errors: what went wrong, in the words a user reads. Domain modules throw these and know
 * nothing of HTTP; `apiHandler` maps each kind to its status once (lambdas/http/errors.ts).
 */
export class DomainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The input is malformed or breaks a rule (400). */
export class Invalid extends DomainError {}
/** The caller is not who they must be for this action (403). */
export class Forbidden extends DomainError {}
/** Nothing there, or nothing the caller may see (404: never an existence leak). */
export class NotFound extends DomainError {}
/** The resource's state does not allow the action (409). */
export class Conflict extends DomainError {}
/** The resource existed and was deleted for good (410). */
export class Gone extends DomainError {}
