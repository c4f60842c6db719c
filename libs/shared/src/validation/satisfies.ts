import { ValidateBy, ValidationOptions } from 'class-validator';

/** A class-validator decorator from one of our rules: the value must be text the rule accepts. */
export function Satisfies(name: string, test: (value: string) => boolean, message: string | ((value: string) => string), options?: ValidationOptions) {
  return ValidateBy(
    {
      name,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && test(value),
        defaultMessage: (args) => (typeof message === 'string' ? message : message(String(args?.value))),
      },
    },
    options,
  );
}
