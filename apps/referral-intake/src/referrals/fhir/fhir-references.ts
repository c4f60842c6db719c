import { isJsonObject } from '@app/shared';
export type Json = Record<string, unknown>;

export const asObject = (value: unknown): Json | undefined => (isJsonObject(value) ? (value as Json) : undefined);
export const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
export const asString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** A resource and where it sits in the posted payload (a JSON pointer), so refusals can name it. */
export interface Located {
  resource: Json;
  pointer: string;
  /** Bundle entries: the entry's fullUrl, against which its relative references resolve. */
  fullUrl?: string;
  /** Contained resources: the resource that contains them ("#id" references resolve there). */
  container?: Located;
}

export type Resolution = { found: Located } | { missing: string };

/** "Patient/123" or "Patient/123/_history/2": a relative reference's type and id. */
const RELATIVE = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9.-]{1,64})(?:\/_history\/[A-Za-z0-9.-]{1,64})?$/;
/** The same at the end of an absolute RESTful URL. */
const ABSOLUTE = /^(https?:\/\/.+\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9.-]{1,64})(?:\/_history\/[A-Za-z0-9.-]{1,64})?$/;

/**
 * Resolves FHIR references the way FHIR R4 says a receiver must, within what was posted: "#id" among the
 * contained resources of the referencing resource's container; a fullUrl (urn:uuid:, urn:oid: or an
 * absolute URL) among the Bundle's entries; a relative "Type/id" against the referencing entry's base URL,
 * then by resource type and id. Nothing is fetched: a reference to something not posted cannot be resolved.
 */
export class ReferenceResolver {
  private readonly byFullUrl = new Map<string, Located>();

  constructor(private readonly entries: readonly Located[] = []) {
    for (const entry of entries) if (entry.fullUrl) this.byFullUrl.set(entry.fullUrl, entry);
  }

  get inBundle(): boolean {
    return this.entries.length > 0;
  }

  /** Every contained resource of a top-level resource, located. */
  static contained(container: Located): Located[] {
    return asArray(container.resource.contained).flatMap((item, index) => {
      const resource = asObject(item);
      return resource ? [{ resource, pointer: `${container.pointer}/contained/${index}`, container }] : [];
    });
  }

  /** All resources posted: the Bundle's entries (or the lone resource) and what each contains. */
  all(root: Located): Located[] {
    const tops = this.inBundle ? [...this.entries] : [root];
    return tops.flatMap((top) => [top, ...ReferenceResolver.contained(top)]);
  }

  /** Undefined when there is no literal reference (absent, or a logical identifier only). */
  resolve(reference: unknown, from: Located): Resolution | undefined {
    const ref = asString(asObject(reference)?.reference);
    if (ref === undefined) return undefined;
    const top = from.container ?? from;
    if (ref.startsWith('#')) {
      const found = ReferenceResolver.contained(top).find((candidate) => candidate.resource.id === ref.slice(1));
      return found ? { found } : { missing: `"${ref}" names no resource contained in this ${String(top.resource.resourceType ?? 'resource')}` };
    }
    const exact = this.byFullUrl.get(ref);
    if (exact) return { found: exact };
    const relative = RELATIVE.exec(ref);
    if (relative) {
      const base = top.fullUrl && ABSOLUTE.exec(top.fullUrl)?.[1];
      const viaBase = base ? this.byFullUrl.get(`${base}${relative[1]}/${relative[2]}`) : undefined;
      if (viaBase) return { found: viaBase };
      const byId = this.entries.find((entry) => entry.resource.resourceType === relative[1] && entry.resource.id === relative[2]);
      if (byId) return { found: byId };
    }
    const absolute = ABSOLUTE.exec(ref);
    if (absolute) {
      const byId = this.entries.find((entry) => entry.resource.resourceType === absolute[2] && entry.resource.id === absolute[3] && !entry.fullUrl);
      if (byId) return { found: byId };
    }
    return {
      missing: this.inBundle
        ? `"${ref}" is not in this Bundle: add the resource as an entry whose fullUrl is "${ref}" (or whose resourceType and id match it)`
        : `"${ref}" is not in this request: contain the resource and reference it as "#id", or send a BaRS message Bundle with it as an entry`,
    };
  }

  /** The resource a reference leads to, if it is of one of the given types. */
  resolveTo(reference: unknown, from: Located, types: readonly string[]): Located | undefined {
    const resolution = this.resolve(reference, from);
    return resolution && 'found' in resolution && types.includes(String(resolution.found.resource.resourceType)) ? resolution.found : undefined;
  }
}
