/**
 * How the API names the next page of a paged answer: a `Link` header (RFC 8288) with rel="next",
 * the same path with the page size and the next page's token. The API writes it and every client
 * reads it here, so the two never drift apart.
 */

/** The `Link` header of a page after which more follow. */
export function nextPageLink(path: string, pageSize: number, pageToken: string): string {
  return `<${path}?pageSize=${pageSize}&pageToken=${encodeURIComponent(pageToken)}>; rel="next"`;
}

/** The next page's token a paged answer names in its `Link` header, or undefined on the last page. */
export function nextPageTokenOf(link: string | null | undefined): string | undefined {
  const next = link ? /<([^>]+)>;\s*rel="next"/.exec(link)?.[1] : undefined;
  return next ? (new URL(next, 'http://link.invalid').searchParams.get('pageToken') ?? undefined) : undefined;
}
