/** A JSON object (not null, not an array): what a request body or a nested document must be before its fields are read. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
