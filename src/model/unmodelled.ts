// Raised when a step needs semantics the model does not have yet: the checker
// turns it into a "not modelled" verdict, never a pass.

export class Unmodelled extends Error {
  constructor(readonly what: string) {
    super(`not modelled: ${what}`);
  }
}
