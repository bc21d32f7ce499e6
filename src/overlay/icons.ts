/**
 * The lock drawn as SVG through DOM calls: emoji locks need a colour-emoji font that many
 * systems lack (they show as empty boxes), and markup strings would mean an HTML sink.
 */
const SVG_NS = 'http://www.w3.org/2000/svg';

export function lockIcon(doc: Document, open: boolean): SVGSVGElement {
  const svg = doc.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('width', '1em');
  svg.setAttribute('height', '1em');
  svg.setAttribute('aria-hidden', 'true');
  svg.style.verticalAlign = '-0.125em';
  const shackle = doc.createElementNS(SVG_NS, 'path');
  // Closed: both legs in the body. Open: the right leg lifted out.
  shackle.setAttribute('d', open ? 'M4.5 7V4.5a3.5 3.5 0 0 1 7 0' : 'M4.5 7V4.5a3.5 3.5 0 0 1 7 0V7');
  shackle.setAttribute('fill', 'none');
  shackle.setAttribute('stroke', 'currentColor');
  shackle.setAttribute('stroke-width', '1.6');
  const body = doc.createElementNS(SVG_NS, 'rect');
  for (const [k, v] of Object.entries({ x: '2.5', y: '7', width: '11', height: '8', rx: '1.5', fill: 'currentColor' })) body.setAttribute(k, v);
  svg.append(shackle, body);
  return svg;
}

export function warningIcon(doc: Document): SVGSVGElement {
  const svg = doc.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('width', '1em');
  svg.setAttribute('height', '1em');
  svg.setAttribute('aria-hidden', 'true');
  svg.style.verticalAlign = '-0.125em';
  const path = doc.createElementNS(SVG_NS, 'path');
  path.setAttribute('d', 'M8 1.5 15 14.5H1Z M8 6v4 M8 11.5v1.2');
  path.setAttribute('fill', 'none');
  path.setAttribute('stroke', 'currentColor');
  path.setAttribute('stroke-width', '1.5');
  svg.append(path);
  return svg;
}
