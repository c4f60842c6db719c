/**
 * Picks the media type to answer with from an Accept header (RFC 9110 §12.5.1): highest q first, then
 * the most specific range, then our own order of preference. Null when nothing offered is acceptable.
 */
export function negotiate(accept: string | undefined, offered: readonly string[]): string | null {
  if (!accept || accept.trim() === '') return offered[0];
  const ranges = accept
    .split(',')
    .map((part) => {
      const [range, ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((param) => param.trim()).find((param) => param.startsWith('q='));
      return { range: range.trim(), q: q ? Number(q.slice(2)) : 1 };
    })
    .filter((entry) => entry.range.length > 0 && Number.isFinite(entry.q));
  let best: { type: string; q: number; specificity: number; order: number } | null = null;
  offered.forEach((type, order) => {
    const [major] = type.split('/');
    // The most specific range that matches a type decides its quality (RFC 9110 §12.5.1).
    let match: { q: number; specificity: number } | null = null;
    for (const { range, q } of ranges) {
      const specificity = range === type ? 2 : range === `${major}/*` ? 1 : range === '*/*' ? 0 : -1;
      if (specificity >= 0 && (!match || specificity > match.specificity)) match = { q, specificity };
    }
    if (!match || match.q <= 0) return;
    if (!best || match.q > best.q || (match.q === best.q && match.specificity > best.specificity)) best = { type, ...match, order };
  });
  return best ? (best as { type: string }).type : null;
}
