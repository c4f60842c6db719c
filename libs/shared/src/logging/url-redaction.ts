/**
 * Path segments that are bearer tokens: whoever reads one can act with it (a one-click accept or decline
 * link, an email sign-in link). The segment after each is replaced in every URL we log.
 */
export const TOKEN_PATH_SEGMENTS: readonly string[] = ['t', 'sign-in'];

const REDACTED_TOKEN = '[token]';

/**
 * A URL as it may appear in a log line: no query string (search terms and filters can carry patient
 * data) and no token that follows a token segment.
 */
export function redactUrl(url: string | undefined): string {
  if (!url) return '';
  const path = url.split(/[?#]/, 1)[0];
  const segments = path.split('/');
  for (let index = 0; index < segments.length - 1; index += 1) {
    if (TOKEN_PATH_SEGMENTS.includes(segments[index]) && segments[index + 1] !== '') segments[index + 1] = REDACTED_TOKEN;
  }
  return segments.join('/');
}
