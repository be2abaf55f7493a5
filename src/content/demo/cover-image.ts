import sharp from 'sharp';

/**
 * The demo article's cover, drawn here rather than shipped as a binary: a
 * 1600×900 abstract in the colours of the two flags. Rendered by sharp from SVG
 * with shapes only, so no font is needed.
 */
export async function demoCoverImage(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1600" height="900" viewBox="0 0 1600 900">
  <defs>
    <linearGradient id="sky" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="#1b2a41"/><stop offset="1" stop-color="#324a5f"/>
    </linearGradient>
    <radialGradient id="red" cx="0.5" cy="0.5" r="0.5">
      <stop offset="0" stop-color="#ee1c25"/><stop offset="1" stop-color="#a8141b"/>
    </radialGradient>
  </defs>
  <rect width="1600" height="900" fill="url(#sky)"/>
  <g opacity="0.18" stroke="#ffffff" stroke-width="2" fill="none">
    ${Array.from({ length: 9 }, (_, i) => `<ellipse cx="800" cy="450" rx="${140 + i * 90}" ry="${60 + i * 40}"/>`).join('')}
  </g>
  <circle cx="620" cy="450" r="260" fill="url(#red)"/>
  <polygon fill="#ffde00" points="520,330 545,405 625,405 560,450 585,525 520,480 455,525 480,450 415,405 495,405"/>
  <g transform="translate(760 190)">
    <rect width="520" height="173" fill="#ffffff"/>
    <rect y="173" width="520" height="174" fill="#0039a6"/>
    <rect y="347" width="520" height="173" fill="#d52b1e"/>
  </g>
  <rect x="0" y="780" width="1600" height="120" fill="#000000" opacity="0.35"/>
</svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 82, mozjpeg: true }).toBuffer();
}
