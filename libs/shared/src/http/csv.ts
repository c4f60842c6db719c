/**
 * Cells a spreadsheet would read as a formula (OWASP "CSV injection"): starting with =, +, -, @, a tab
 * or a carriage return. Today's values are codes and keyed references, but a reference can begin with
 * "-" (Excel shows #NAME?) and any free text could begin with "=": prefixing a quote makes Excel, LibreOffice
 * and Sheets show the text as it is. Numbers are left alone, so a negative change stays a number.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function neutraliseFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** csv-stringify's cast for every CSV we produce: text cells neutralised, booleans as true/false. */
export const SAFE_CSV_CAST = {
  string: (value: string) => neutraliseFormula(value),
  boolean: (value: boolean) => String(value),
};
