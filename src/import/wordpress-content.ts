/**
 * WordPress post HTML to clean HTML: block-editor comments dropped, the
 * `[caption]` shortcode made a figure, `[embed]` video links made Safir's
 * click-to-load embeds, and classic-editor text without paragraphs given
 * them (WordPress adds them at display time, "wpautop"). The result still
 * goes through the sanitizer when it is saved.
 */
const BLOCK = /<(p|div|h[1-6]|ul|ol|li|blockquote|figure|table|pre|hr)\b/i;

export function cleanWordPressHtml(html: string): string {
  let out = html.replace(/<!--\s*\/?wp:[\s\S]*?-->/g, '');
  out = out.replace(/\[caption\b[^\]]*\]([\s\S]*?)\[\/caption\]/gi, (_, inner: string) => {
    const media = /(<a\b[^>]*>\s*)?<img\b[^>]*>(\s*<\/a>)?/i.exec(inner);
    if (!media) return inner;
    const caption = inner.replace(media[0], '').trim();
    return `<figure>${media[0]}${caption ? `<figcaption>${caption}</figcaption>` : ''}</figure>`;
  });
  out = out.replace(
    /\[embed\]\s*(\S+?)\s*\[\/embed\]/gi,
    (_, url: string) => embedFor(url) ?? `<p><a href="${url}">${url}</a></p>`,
  );
  // A bare video URL on its own line is an embed in WordPress too.
  out = out.replace(
    /^\s*(https?:\/\/(?:www\.)?(?:youtube\.com|youtu\.be|vimeo\.com)\/\S+)\s*$/gim,
    (line, url: string) => embedFor(url) ?? line,
  );
  if (!BLOCK.test(out)) out = autop(out);
  return out.replace(/\n{3,}/g, '\n\n').trim();
}

function embedFor(url: string): string | undefined {
  const yt = /(?:youtube\.com\/(?:watch\?v=|embed\/|shorts\/)|youtu\.be\/)([A-Za-z0-9_-]{11})/.exec(url);
  if (yt)
    return `<figure class="embed" data-embed="youtube" data-embed-id="${yt[1]}"><a href="https://www.youtube.com/watch?v=${yt[1]}">${url}</a></figure>`;
  const vimeo = /vimeo\.com\/(\d{6,12})/.exec(url);
  if (vimeo)
    return `<figure class="embed" data-embed="vimeo" data-embed-id="${vimeo[1]}"><a href="https://vimeo.com/${vimeo[1]}">${url}</a></figure>`;
  return undefined;
}

function autop(text: string): string {
  return text
    .replace(/\r\n/g, '\n')
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => (/^<figure\b/i.test(p) ? p : `<p>${p.replace(/\n/g, '<br>')}</p>`))
    .join('\n');
}

/** `2020/05/photo-300x200.jpg` → `2020/05/photo.jpg`: the original behind a WordPress size variant. */
export function originalUpload(rel: string): string {
  return rel.replace(/-\d+x\d+(\.[a-z0-9]+)$/i, '$1');
}

/** The part of a URL after `wp-content/uploads/`, or undefined for other URLs. */
export function uploadPath(url: string): string | undefined {
  const m = /\/wp-content\/uploads\/([^?#"']+)/.exec(url);
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return m[1];
  }
}
