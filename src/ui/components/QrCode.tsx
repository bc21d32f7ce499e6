import qrcode from 'qrcode-generator';
import { useMemo } from 'preact/hooks';

/**
 * A QR code drawn as one SVG path from the module matrix (no markup strings), so two people
 * can compare fingerprints by scanning one phone against the other's screen.
 */
export function QrCode({ text, label, size = 168 }: { text: string; label: string; size?: number }) {
  const { d, count } = useMemo(() => {
    const qr = qrcode(0, 'M');
    qr.addData(text);
    qr.make();
    const n = qr.getModuleCount();
    let path = '';
    for (let row = 0; row < n; row++) {
      for (let col = 0; col < n; col++) {
        if (qr.isDark(row, col)) path += `M${col} ${row}h1v1h-1z`;
      }
    }
    return { d: path, count: n };
  }, [text]);
  const quiet = 4; // the quiet zone the QR standard asks for, in modules
  const box = count + quiet * 2;
  return (
    <svg
      class="qr"
      role="img"
      aria-label={label}
      width={size}
      height={size}
      viewBox={`${-quiet} ${-quiet} ${box} ${box}`}
      shape-rendering="crispEdges"
    >
      <rect x={-quiet} y={-quiet} width={box} height={box} fill="#fff" />
      <path d={d} fill="#000" />
    </svg>
  );
}
