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
    for (const { range, q } of ranges) {
      const specificity = range === type ? 2 : range === `${major}/*` ? 1 : range === '*/*' ? 0 : -1;
      if (specificity < 0 || q <= 0) continue;
      const better =
        !best || q > best.q || (q === best.q && specificity > best.specificity) || (q === best.q && specificity === best.specificity && order < best.order);
      if (better) best = { type, q, specificity, order };
    }
  });
  return best ? (best as { type: string }).type : null;
}
