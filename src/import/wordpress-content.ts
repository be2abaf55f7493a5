/**
 * WordPress post HTML to the HTML WordPress showed readers, cleaned: block-editor comments dropped, shortcodes
 * converted (`[caption]` a figure, `[gallery]` its images, `[embed]`, `[youtube]`, `[vimeo]` and video links
 * Safir's click-to-load embeds, `[video]` and `[audio]` links to their files), and classic-editor text given
 * the paragraphs WordPress adds at display time (`wpautop`, ported below). Shortcodes it does not know are
 * left in the text, where readers will see them, and named in the report (`unknownShortcodes`). The result
 * still goes through the sanitizer when it is saved.
 */

/** An image the export describes (an attachment): where its file was, and its alt text. */
export interface WordPressAttachment {
  url: string;
  alt: string;
  /** The post it was uploaded to (`wp:post_parent`), for a `[gallery]` without ids. */
  parent: string;
}

export interface ConvertOptions {
  /** The attachments met so far, by WordPress id. */
  attachments?: ReadonlyMap<string, WordPressAttachment>;
  /** The WordPress id of the post being converted. */
  postId?: string;
}

export function cleanWordPressHtml(html: string, opts: ConvertOptions = {}): string {
  // Content made in the block editor carries its own paragraphs; WordPress adds them only to classic content.
  const blocks = /<!--\s*wp:/.test(html);
  let out = html.replace(/<!--\s*\/?wp:[\s\S]*?-->/g, '');
  // WordPress's order at display: embeds first, then paragraphs, then the other shortcodes.
  out = out.replace(
    /\[embed\b[^\]]*\]\s*(\S+?)\s*\[\/embed\]/gi,
    (_, url: string) => embedFor(url) ?? `<p><a href="${url}">${url}</a></p>`,
  );
  // Block-editor embeds: the URL alone in the block's wrapper.
  out = out.replace(
    /<figure\b[^>]*class="[^"]*wp-block-embed[^"]*"[^>]*>\s*<div\b[^>]*class="[^"]*wp-block-embed__wrapper[^"]*"[^>]*>\s*(\S+?)\s*<\/div>([\s\S]*?)<\/figure>/gi,
    (_, url: string) => embedFor(url) ?? `<p><a href="${url}">${url}</a></p>`,
  );
  // A bare video URL on its own line is an embed in WordPress too.
  out = out.replace(
    /^\s*(https?:\/\/(?:www\.)?(?:youtube\.com|youtu\.be|vimeo\.com)\/\S+)\s*$/gim,
    (line, url: string) => embedFor(url) ?? line,
  );
  if (!blocks) out = shortcodeUnautop(wpautop(out));
  out = out.replace(/\[(?:wp_)?caption\b[^\]]*\]([\s\S]*?)\[\/(?:wp_)?caption\]/gi, (_, inner: string) => {
    const media = /(<a\b[^>]*>\s*)?<img\b[^>]*>(\s*<\/a>)?/i.exec(inner);
    if (!media) return inner;
    const caption = inner
      .replace(media[0], '')
      .replace(/^(\s|<br\s*\/?>)+|(\s|<br\s*\/?>)+$/gi, '')
      .trim();
    return `<figure>${media[0]}${caption ? `<figcaption>${caption}</figcaption>` : ''}</figure>`;
  });
  out = out.replace(/\[gallery\b([^\]]*)\]/gi, (_, attrs: string) => gallery(attrs, opts));
  out = out.replace(/\[(youtube|vimeo)\s+([^\]\s]+)[^\]]*\]/gi, (whole, kind: string, value: string) => {
    const bare = value.replace(/^['"]|['"]$/g, '');
    return embedFor(/^\d+$/.test(bare) && kind.toLowerCase() === 'vimeo' ? `https://vimeo.com/${bare}` : bare) ?? whole;
  });
  // `[video src="…"]`, `[video mp4="…"][/video]`, `[audio mp3="…"]`: the file stays where it was, as a link.
  out = out.replace(/\[(video|audio)\b([^\]]*)\](?:[\s\S]*?\[\/\1\])?/gi, (whole, kind: string, attrs: string) => {
    const url = /\b(?:src|mp4|m4v|webm|ogv|mp3|m4a|ogg|wav)="([^"]+)"/i.exec(attrs)?.[1];
    if (!url) return whole;
    const video = embedFor(url);
    if (video) return video;
    const label = kind.toLowerCase() === 'video' ? 'فيديو' : 'تسجيل صوتي';
    return `<p><a href="${url}">${label}: ${decodeName(url)}</a></p>`;
  });
  return out.replace(/\n{3,}/g, '\n\n').trim();
}

/** WordPress's `shortcode_unautop`: a shortcode alone in a paragraph is not wrapped in one. */
function shortcodeUnautop(html: string): string {
  return html.replace(
    /<p>\s*(\[(caption|wp_caption|gallery|video|audio|youtube|vimeo|playlist)\b[^\]]*\](?:[\s\S]*?\[\/\2\])?)\s*<\/p>/gi,
    '$1',
  );
}

/**
 * The shortcodes left in converted HTML (outside code), by name, once each: ones unknown here, and known ones
 * that could not be converted (a gallery of images the export does not describe, a playlist).
 */
export function unknownShortcodes(html: string): string[] {
  const text = html.replace(/<(pre|code)\b[\s\S]*?<\/\1>/gi, '');
  const names = new Set<string>();
  for (const m of text.matchAll(/\[\/?([a-z][a-z0-9_-]{1,40})(?:\s[^\]]*)?\]/gi)) names.add(m[1]!.toLowerCase());
  return [...names];
}

/** `[gallery ids="1,2"]` (or, without ids, the post's own images) as one figure per image. */
function gallery(attrs: string, opts: ConvertOptions): string {
  const known = opts.attachments ?? new Map<string, WordPressAttachment>();
  const ids =
    /\bids="([\d,\s]+)"/i
      .exec(attrs)?.[1]
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean) ??
    [...known].filter(([, a]) => opts.postId !== undefined && a.parent === opts.postId).map(([id]) => id);
  const figures = ids
    .map((id) => known.get(id))
    .filter((a): a is WordPressAttachment => a !== undefined)
    .map((a) => `<figure><img src="${a.url}" alt="${a.alt.replace(/"/g, '&quot;')}"></figure>`);
  // Images the export does not describe (a posts-only export): the shortcode stays, seen and reported.
  return figures.length ? figures.join('\n') : `[gallery${attrs}]`;
}

function decodeName(url: string): string {
  const name = url.split(/[?#]/)[0]!.split('/').pop() ?? url;
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
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

/** WordPress's block-level elements, as `wpautop` names them. */
const ALL_BLOCKS =
  '(?:table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre|form|map|area|blockquote|address|math|style|p|h[1-6]|hr|fieldset|legend|section|article|aside|hgroup|header|footer|nav|figure|figcaption|details|menu|summary)';

/**
 * WordPress's `wpautop` (wp-includes/formatting.php), step for step: double line breaks become paragraphs,
 * single ones `<br />`, never inside or around block elements, never inside `<pre>`.
 */
export function wpautop(input: string): string {
  if (!input.trim()) return '';
  const pres: string[] = [];
  let text = `${input}\n`.replace(/<pre\b[\s\S]*?<\/pre>/gi, (pre) => `<pre wp-pre-tag-${pres.push(pre) - 1}></pre>`);
  text = text.replace(/<br\s*\/?>\s*<br\s*\/?>/gi, '\n\n');
  text = text.replace(new RegExp(`(<${ALL_BLOCKS}[\\s/>])`, 'gi'), '\n\n$1');
  text = text.replace(new RegExp(`(</${ALL_BLOCKS}>)`, 'gi'), '$1\n\n');
  text = text.replace(/<hr\s*?\/?>/gi, '<hr />\n\n');
  text = text.replace(/\r\n|\r/g, '\n');
  // As WordPress does: no line breaks around a figcaption, inside audio/video with sources, or in an object.
  text = text.replace(/\s*(<figcaption[^>]*>)/gi, '$1').replace(/<\/figcaption>\s*/gi, '</figcaption>');
  if (/<(source|track)\b/i.test(text))
    text = text
      .replace(/([<[](?:audio|video)[^>\]]*[>\]])\s*/gi, '$1')
      .replace(/\s*([<[]\/(?:audio|video)[>\]])/gi, '$1')
      .replace(/\s*(<(?:source|track)[^>]*>)\s*/gi, '$1');
  text = text.replace(/<object[\s\S]*?<\/object>/gi, (o) =>
    o.replace(/\s*(<param[^>]*>)\s*/gi, '$1').replace(/\s*(<\/?embed[^>]*>)\s*/gi, '$1'),
  );
  // Newlines inside a tag are not line breaks.
  text = text.replace(/<[^>]*\n[^>]*>/g, (tag) => tag.replace(/\s*\n\s*/g, ' '));
  text = text.replace(/\s*<option/gi, '<option').replace(/<\/option>\s*/gi, '</option>');
  text = text.replace(/\n\n+/g, '\n\n');
  let out = text
    .split(/\n\s*\n/)
    .filter((p) => p.trim())
    .map((p) => `<p>${p.trim()}</p>\n`)
    .join('');
  out = out.replace(/<p>\s*<\/p>/g, '');
  out = out.replace(/<p>([^<]+)<\/(div|address|form)>/gi, '<p>$1</p></$2>');
  out = out.replace(new RegExp(`<p>\\s*(</?${ALL_BLOCKS}[^>]*>)\\s*</p>`, 'gi'), '$1');
  out = out.replace(/<p>(<li.+?)<\/p>/gi, '$1');
  out = out.replace(/<p><blockquote([^>]*)>/gi, '<blockquote$1><p>');
  out = out.replace(/<\/blockquote><\/p>/gi, '</p></blockquote>');
  out = out.replace(new RegExp(`<p>\\s*(</?${ALL_BLOCKS}[^>]*>)`, 'gi'), '$1');
  out = out.replace(new RegExp(`(</?${ALL_BLOCKS}[^>]*>)\\s*</p>`, 'gi'), '$1');
  // Single line breaks, except inside script and style.
  out = out.replace(/<(script|style)[\s\S]*?<\/\1>/gi, (m) => m.replace(/\n/g, '<WPPreserveNewline />'));
  out = out.replace(/<br>|<br\/>/gi, '<br />');
  out = out.replace(/(<br \/>)?\s*\n/g, (m, br: string | undefined) => (br ? m : '<br />\n'));
  out = out.replace(/<WPPreserveNewline \/>/g, '\n');
  out = out.replace(new RegExp(`(</?${ALL_BLOCKS}[^>]*>)\\s*<br />`, 'gi'), '$1');
  out = out.replace(/<br \/>(\s*<\/?(?:p|li|div|dl|dd|dt|th|pre|td|ul|ol)[^>]*>)/gi, '$1');
  out = out.replace(/\n<\/p>$/g, '</p>');
  return out.replace(/<pre wp-pre-tag-(\d+)><\/pre>/g, (_, i: string) => pres[Number(i)]!);
}

/** The upload a sized copy (`photo-300x200.jpg`) was made from (`photo.jpg`). */
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
