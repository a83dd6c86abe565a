/**
 * Small helpers for writing SVG by hand. Every string that reaches a chart may
 * come from a scenario or a peer, so text and attribute values always pass
 * through escapeXml; numbers are rounded so the markup stays short.
 */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => XML_ENTITIES[c]);
}

const XML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** A coordinate with at most two decimals. */
export function coord(n: number): string {
  return String(Math.round(n * 100) / 100);
}

export type Attributes = Record<string, string | number | undefined>;

export function attrs(a: Attributes): string {
  return Object.entries(a)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([k, v]) => ` ${k}="${escapeXml(typeof v === 'number' ? coord(v) : v)}"`)
    .join('');
}

export function element(name: string, a: Attributes, children = ''): string {
  return children === '' ? `<${name}${attrs(a)}/>` : `<${name}${attrs(a)}>${children}</${name}>`;
}

export function textElement(content: string, a: Attributes): string {
  return `<text${attrs(a)}>${escapeXml(content)}</text>`;
}

/** An SVG path through the points, as straight segments. */
export function polyline(points: Array<[number, number]>): string {
  return points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${coord(x)} ${coord(y)}`).join('');
}
