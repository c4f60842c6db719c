import type { ValidationError } from 'class-validator';
import type { FieldProblem } from './problem-details';

/** One reference token of a JSON pointer, escaped as RFC 6901 says ("~" → "~0", "/" → "~1"). */
export function pointerToken(token: string | number): string {
  return String(token).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The reference tokens of a JSON pointer, unescaped ("" is the whole document: no tokens). */
export function pointerTokens(pointer: string): string[] {
  return pointer === '' ? [] : pointer.split('/').slice(1).map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** class-validator's nested errors as one problem per broken constraint, each naming its field by JSON pointer below `base`. */
export function validationErrorsToProblems(errors: ValidationError[], base = ''): FieldProblem[] {
  return errors.flatMap((error) => {
    const pointer = `${base}/${pointerToken(error.property)}`;
    const own = Object.values(error.constraints ?? {}).map((detail) => ({ pointer, detail }));
    return [...own, ...validationErrorsToProblems(error.children ?? [], pointer)];
  });
}
