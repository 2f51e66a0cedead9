/** Alignment cannot proceed: the message says what is wrong and how to resolve it. Printed without a stack. */
export class AlignError extends Error {
  readonly userError = true;
  constructor(message: string) {
    super(message);
    this.name = 'AlignError';
  }
}
