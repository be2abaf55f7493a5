/// <reference lib="dom" />
/**
 * The article editor's browser side, bundled by esbuild (scripts/bundle-admin.js).
 * The page works without it: the form posts the body HTML from a textarea.
 * With it, the textarea becomes a TipTap (ProseMirror) editor, and the form
 * gains autosave, live word count, slug and search-result previews, tag
 * suggestions and an image picker. The server sanitizes whatever arrives.
 */
import { Editor, Node, mergeAttributes } from '@tiptap/core';
import StarterKit from '@tiptap/starter-kit';

const form = document.querySelector<HTMLFormElement>('form[data-article-form]');
/** A copy in the browser older than this is dropped rather than offered back. */
const DRAFT_DAYS = 14;
const lang = document.documentElement.lang === 'en' ? 'en' : 'ar';
const tr = (ar: string, en: string) => (lang === 'ar' ? ar : en);

/** An image with its alt text and caption, stored as <figure><img><figcaption>. */
const Figure = Node.create({
  name: 'figure',
  group: 'block',
  atom: true,
  draggable: true,
  addAttributes() {
    return { src: { default: '' }, alt: { default: '' }, caption: { default: '' } };
  },
  parseHTML() {
    return [
      {
        tag: 'figure',
        getAttrs: (el) => {
          const img = (el as HTMLElement).querySelector('img');
          if (!img || (el as HTMLElement).classList.contains('embed')) return false;
          return {
            src: img.getAttribute('src') ?? '',
            alt: img.getAttribute('alt') ?? '',
            caption: (el as HTMLElement).querySelector('figcaption')?.textContent ?? '',
          };
        },
      },
      {
        tag: 'img[src]',
        getAttrs: (el) => ({
          src: (el as HTMLElement).getAttribute('src'),
          alt: (el as HTMLElement).getAttribute('alt') ?? '',
        }),
      },
    ];
  },
  renderHTML({ node }) {
    const img = ['img', { src: node.attrs.src, alt: node.attrs.alt }];
    return node.attrs.caption ? ['figure', {}, img, ['figcaption', {}, node.attrs.caption]] : ['figure', {}, img];
  },
});

/** A video by URL, stored as a link the public theme turns into a click-to-load frame. */
const VideoEmbed = Node.create({
  name: 'videoEmbed',
  group: 'block',
  atom: true,
  addAttributes() {
    return { provider: { default: 'youtube' }, videoId: { default: '' }, title: { default: '' } };
  },
  parseHTML() {
    return [
      {
        tag: 'figure.embed',
        getAttrs: (el) => ({
          provider: (el as HTMLElement).dataset.embed,
          videoId: (el as HTMLElement).dataset.embedId,
          title: (el as HTMLElement).textContent?.trim() ?? '',
        }),
      },
    ];
  },
  renderHTML({ node, HTMLAttributes }) {
    const href =
      node.attrs.provider === 'vimeo'
        ? `https://vimeo.com/${node.attrs.videoId}`
        : `https://www.youtube.com/watch?v=${node.attrs.videoId}`;
    return [
      'figure',
      mergeAttributes(HTMLAttributes, {
        class: 'embed',
        'data-embed': node.attrs.provider,
        'data-embed-id': node.attrs.videoId,
      }),
      ['a', { href }, node.attrs.title || href],
    ];
  },
});

export function parseVideoUrl(url: string): { provider: string; videoId: string } | null {
  const yt = /(?:youtube\.com\/(?:watch\?v=|embed\/|shorts\/)|youtu\.be\/)([A-Za-z0-9_-]{11})/.exec(url);
  if (yt) return { provider: 'youtube', videoId: yt[1]! };
  const vimeo = /vimeo\.com\/(\d{6,12})/.exec(url);
  if (vimeo) return { provider: 'vimeo', videoId: vimeo[1]! };
  return null;
}

function csrf(): string {
  return form?.querySelector<HTMLInputElement>('input[name=_csrf]')?.value ?? '';
}

async function api<T>(method: string, url: string, body?: unknown): Promise<T> {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrf(), accept: 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  const data = (await res.json()) as T & { errors?: { message: string }[] };
  if (!res.ok) throw new Error(data.errors?.[0]?.message ?? String(res.status));
  return data;
}

function setupEditor(textarea: HTMLTextAreaElement): Editor {
  const mount = document.createElement('div');
  mount.className = 'rich-editor';
  const toolbar = document.createElement('div');
  toolbar.className = 'editor-toolbar';
  toolbar.setAttribute('role', 'toolbar');
  toolbar.setAttribute('aria-label', tr('أدوات التحرير', 'Formatting'));
  textarea.hidden = true;
  textarea.before(toolbar, mount);

  const editor = new Editor({
    element: mount,
    extensions: [
      StarterKit.configure({ heading: { levels: [2, 3, 4] }, link: { openOnClick: false } }),
      Figure,
      VideoEmbed,
    ],
    content: textarea.value,
    textDirection: 'auto',
    injectCSS: false,
    editorProps: {
      attributes: {
        class: 'prose',
        role: 'textbox',
        'aria-multiline': 'true',
        'aria-label': textarea.getAttribute('aria-label') ?? tr('نص المقال', 'Article body'),
        dir: document.documentElement.dir,
      },
    },
    onUpdate: () => {
      textarea.value = editor.getHTML();
      textarea.dispatchEvent(new Event('input', { bubbles: true }));
    },
  });

  const buttons: [string, string, string, () => void, string?][] = [
    ['h2', tr('عنوان', 'Heading'), 'H2', () => editor.chain().focus().toggleHeading({ level: 2 }).run(), 'heading'],
    ['h3', tr('عنوان فرعي', 'Subheading'), 'H3', () => editor.chain().focus().toggleHeading({ level: 3 }).run()],
    ['bold', tr('عريض', 'Bold'), 'B', () => editor.chain().focus().toggleBold().run(), 'bold'],
    ['italic', tr('مائل', 'Italic'), 'I', () => editor.chain().focus().toggleItalic().run(), 'italic'],
    [
      'ul',
      tr('قائمة نقطية', 'Bulleted list'),
      '•',
      () => editor.chain().focus().toggleBulletList().run(),
      'bulletList',
    ],
    [
      'ol',
      tr('قائمة مرقمة', 'Numbered list'),
      '1.',
      () => editor.chain().focus().toggleOrderedList().run(),
      'orderedList',
    ],
    ['quote', tr('اقتباس', 'Quote'), '❝', () => editor.chain().focus().toggleBlockquote().run(), 'blockquote'],
    [
      'link',
      tr('رابط', 'Link'),
      tr('رابط', 'Link'),
      () => {
        const prev = editor.getAttributes('link').href as string | undefined;
        const href = window.prompt(tr('عنوان الرابط (https://…)', 'Link address (https://…)'), prev ?? 'https://');
        if (href === null) return;
        if (!href || href === 'https://') editor.chain().focus().unsetLink().run();
        else if (/^(https?:|mailto:|\/)/i.test(href))
          editor.chain().focus().extendMarkRange('link').setLink({ href }).run();
      },
      'link',
    ],
    ['image', tr('صورة', 'Image'), tr('صورة', 'Image'), () => void pickImage(editor)],
    [
      'video',
      tr('فيديو', 'Video'),
      tr('فيديو', 'Video'),
      () => {
        const url = window.prompt(tr('رابط الفيديو (يوتيوب أو فيميو)', 'Video URL (YouTube or Vimeo)'));
        if (!url) return;
        const parsed = parseVideoUrl(url);
        if (!parsed) return window.alert(tr('رابط فيديو غير مدعوم.', 'Unsupported video URL.'));
        editor
          .chain()
          .focus()
          .insertContent({ type: 'videoEmbed', attrs: { ...parsed, title: url } })
          .run();
      },
    ],
    ['hr', tr('فاصل', 'Divider'), '—', () => editor.chain().focus().setHorizontalRule().run()],
    ['undo', tr('تراجع', 'Undo'), '↶', () => editor.chain().focus().undo().run()],
    ['redo', tr('إعادة', 'Redo'), '↷', () => editor.chain().focus().redo().run()],
  ];
  for (const [name, label, text, run, mark] of buttons) {
    const b = document.createElement('button');
    b.type = 'button';
    b.dataset.command = name;
    // The visible glyph starts the accessible name and the word follows for screen readers.
    const hidden = document.createElement('span');
    hidden.className = 'visually-hidden';
    hidden.textContent = ` ${label}`;
    b.append(text);
    if (text !== label) b.append(hidden);
    b.title = label;
    if (mark) b.setAttribute('aria-pressed', 'false');
    b.addEventListener('click', run);
    toolbar.append(b);
  }
  editor.on('transaction', () => {
    for (const [name, , , , mark] of buttons) {
      if (!mark) continue;
      const b = toolbar.querySelector<HTMLButtonElement>(`[data-command=${name}]`);
      b?.setAttribute('aria-pressed', String(editor.isActive(mark)));
    }
  });
  return editor;
}

interface MediaItem {
  id: number;
  url: string;
  thumb: string;
  alt: string;
  caption: string;
}

/** A dialog listing the media library; picking an image inserts it with its alt text and caption. */
async function pickImage(editor: Editor): Promise<void> {
  const dialog = document.createElement('dialog');
  dialog.className = 'media-picker';
  dialog.innerHTML = `<h2>${tr('اختر صورة من المكتبة', 'Choose an image')}</h2><div class="picker-grid"></div><p><button type="button" data-close>${tr('إغلاق', 'Close')}</button></p>`;
  document.body.append(dialog);
  dialog.querySelector('[data-close]')!.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => dialog.remove());
  dialog.showModal();
  const grid = dialog.querySelector('.picker-grid')!;
  try {
    const { media } = await api<{ media: MediaItem[] }>('GET', '/api/v1/admin/media?limit=60');
    if (!media.length) grid.textContent = tr('المكتبة فارغة.', 'The library is empty.');
    for (const m of media) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'picker-item';
      const img = document.createElement('img');
      img.src = m.thumb;
      img.alt = m.alt;
      b.append(img);
      b.setAttribute('aria-label', m.alt || tr('صورة بلا وصف', 'Image without description'));
      b.addEventListener('click', () => {
        const alt =
          window.prompt(tr('النص البديل (يصف الصورة لمن لا يراها)', 'Alt text (describes the image)'), m.alt) ?? '';
        const caption = window.prompt(tr('تعليق الصورة (اختياري)', 'Caption (optional)'), m.caption) ?? '';
        editor
          .chain()
          .focus()
          .insertContent({ type: 'figure', attrs: { src: m.url, alt, caption } })
          .run();
        dialog.close();
      });
      grid.append(b);
    }
  } catch (e) {
    grid.textContent = (e as Error).message;
  }
}

const WORDS_PER_MINUTE = 200;

function setupForm(f: HTMLFormElement, editor: Editor | undefined): void {
  const body = f.querySelector<HTMLTextAreaElement>('textarea[name=body]')!;
  const title = f.querySelector<HTMLInputElement>('input[name=title]')!;
  const slug = f.querySelector<HTMLInputElement>('input[name=slug]');
  const seoTitle = f.querySelector<HTMLInputElement>('input[name=seo_title]');
  const seoDesc = f.querySelector<HTMLTextAreaElement>('textarea[name=seo_description]');
  const excerpt = f.querySelector<HTMLTextAreaElement>('textarea[name=excerpt]');
  const counter = document.querySelector<HTMLElement>('[data-word-count]');
  const status = document.querySelector<HTMLElement>('[data-autosave-status]');
  const plural = new Intl.PluralRules(lang);
  const number = new Intl.NumberFormat(lang === 'ar' ? 'ar-EG' : 'en');

  const updateCount = () => {
    const text = editor ? editor.getText() : body.value.replace(/<[^>]+>/g, ' ');
    const words = text.split(/\s+/).filter(Boolean).length;
    const minutes = Math.max(1, Math.round(words / WORDS_PER_MINUTE));
    if (counter) {
      const w =
        lang === 'ar' ? arabicCount(words, plural, number, ['كلمة', 'كلمتان', 'كلمات', 'كلمة']) : `${words} words`;
      const m =
        lang === 'ar'
          ? arabicCount(minutes, plural, number, ['دقيقة', 'دقيقتان', 'دقائق', 'دقيقة'])
          : `${minutes} min read`;
      counter.textContent = lang === 'ar' ? `${w} · قراءة في ${m}` : `${w} · ${m}`;
    }
  };

  const preview = document.querySelector<HTMLElement>('[data-seo-preview]');
  const updatePreview = () => {
    if (!preview) return;
    preview.querySelector('[data-seo-title]')!.textContent = seoTitle?.value || title.value;
    const desc = seoDesc?.value || excerpt?.value || (editor?.getText() ?? '').slice(0, 160);
    preview.querySelector('[data-seo-desc]')!.textContent = desc.length > 160 ? `${desc.slice(0, 157)}…` : desc;
    if (slug)
      preview.querySelector('[data-seo-url]')!.textContent =
        `${location.origin}/article/${slug.value || slugPreview(title.value)}`;
  };

  f.addEventListener('input', () => {
    updateCount();
    updatePreview();
    dirty = true;
  });
  updateCount();
  updatePreview();

  // Tag suggestions from the server as the editor types.
  const tags = f.querySelector<HTMLInputElement>('input[name=tags]');
  const list = document.getElementById('tag-suggestions') as HTMLDataListElement | null;
  let tagTimer: number | undefined;
  tags?.addEventListener('input', () => {
    clearTimeout(tagTimer);
    tagTimer = window.setTimeout(async () => {
      const last = tags.value.split(/[,،]/).pop()?.trim() ?? '';
      if (!list || last.length < 1) return;
      const { tags: found } = await api<{ tags: { name: string }[] }>(
        'GET',
        `/api/v1/admin/tags?q=${encodeURIComponent(last)}`,
      );
      const prefix = tags.value.slice(0, tags.value.length - last.length);
      list.replaceChildren(
        ...found.map((t) => Object.assign(document.createElement('option'), { value: prefix + t.name })),
      );
    }, 150);
  });

  let local: { adopted(): void } | undefined;
  // Autosave: drafts every 20 s when something changed. A new article becomes a draft on its first autosave.
  let dirty = false;
  let saving = false;
  const idInput = f.querySelector<HTMLInputElement>('input[name=id]');
  const updatedAt = f.querySelector<HTMLInputElement>('input[name=updated_at]');
  const autosave = async () => {
    if (!dirty || saving || !title.value.trim()) return;
    saving = true;
    dirty = false;
    const data = Object.fromEntries(
      // An autosave keeps text only; a password is set by a real save.
      [...new FormData(f)].filter(([k, v]) => typeof v === 'string' && k !== 'article_password') as [string, string][],
    );
    try {
      const id = idInput?.value;
      const r = await api<{ id: number; updated_at: string; edit_url: string }>(
        'POST',
        id ? `/api/v1/admin/articles/${id}/autosave` : '/api/v1/admin/articles/autosave',
        data,
      );
      if (idInput && !id) {
        idInput.value = String(r.id);
        f.action = r.edit_url;
        history.replaceState(null, '', r.edit_url);
        local?.adopted();
      }
      if (updatedAt) updatedAt.value = r.updated_at;
      if (status)
        status.textContent = `${tr('حُفظت المسودة تلقائياً', 'Draft autosaved')} ${new Date().toLocaleTimeString(lang === 'ar' ? 'ar-EG' : 'en')}`;
    } catch (e) {
      dirty = true;
      if (status) status.textContent = `${tr('تعذّر الحفظ التلقائي', 'Autosave failed')}: ${(e as Error).message}`;
    } finally {
      saving = false;
    }
  };
  window.setInterval(() => void autosave(), Number(f.dataset.autosaveMs ?? 20000));
  f.addEventListener('submit', () => {
    if (editor) body.value = editor.getHTML();
  });
  local = keepWorkInThisBrowser(f, editor, idInput, status, {
    isDirty: () => dirty,
    saved: () => (dirty = false),
  });
}

/**
 * Nothing typed is lost: a copy of the form lives in this browser (localStorage) from every change until the
 * server has it (the page after a save says `?done=`), so a reload, Back, a crash, or a save that never reached
 * the server gives the text back, with a notice and a way to discard it. A save is sent only when the server and
 * its database answer (`/readyz`); otherwise the page stays, says so, and keeps the text. Leaving with unsaved
 * changes asks first.
 */
function keepWorkInThisBrowser(
  f: HTMLFormElement,
  editor: Editor | undefined,
  idInput: HTMLInputElement | null,
  status: HTMLElement | null,
  state: { isDirty(): boolean; saved(): void },
): { adopted(): void } {
  const SUBMITTED = 'safir-draft-submitted';
  // One copy per person and article: another account on the same browser never gets it back.
  const keyFor = (id: string | undefined) => `safir-draft:${f.dataset.writer ?? ''}:${id || 'new'}`;
  const key = () => keyFor(idInput?.value);
  const storage = (() => {
    try {
      return window.localStorage;
    } catch {
      return undefined; // storage refused (a private window's settings): the rest still works
    }
  })();
  const fields = () => {
    if (editor) (f.elements.namedItem('body') as HTMLTextAreaElement).value = editor.getHTML();
    return Object.fromEntries(
      // Never the article's password: this copy sits in the browser's storage as plain text.
      [...new FormData(f)].filter(([k, v]) => typeof v === 'string' && k !== '_csrf' && k !== 'article_password') as [
        string,
        string,
      ][],
    );
  };
  let discarded = false;
  const keepNow = () => {
    if (discarded) return;
    try {
      storage?.setItem(key(), JSON.stringify({ at: Date.now(), fields: fields() }));
    } catch {
      // full storage: the server copy (autosave) still runs
    }
  };
  const forget = (k: string) => storage?.removeItem(k);
  let timer: number | undefined;
  f.addEventListener('input', () => {
    clearTimeout(timer);
    timer = window.setTimeout(keepNow, 300);
  });

  const say = (ar: string, en: string, discard = false) => {
    if (!status) return;
    status.textContent = tr(ar, en);
    if (discard) {
      const button = Object.assign(document.createElement('button'), {
        type: 'button',
        className: 'secondary',
        textContent: tr('تجاهل النسخة المحلية', 'Discard the local copy'),
      });
      button.addEventListener('click', () => {
        discarded = true;
        clearTimeout(timer);
        forget(key());
        state.saved();
        location.reload();
      });
      status.append(' ', button);
    }
  };

  const params = new URLSearchParams(location.search);
  if (params.has('done')) {
    // Saved: this article's copy, and the one a new article was typed into, are on the server now.
    forget(key());
    const submitted = sessionStorage.getItem(SUBMITTED);
    if (submitted) forget(submitted);
    sessionStorage.removeItem(SUBMITTED);
  } else {
    let stored: { at: number; fields: Record<string, string> } | undefined;
    try {
      stored = JSON.parse(storage?.getItem(key()) ?? 'null') ?? undefined;
    } catch {
      stored = undefined;
    }
    if (stored && !(Date.now() - stored.at < DRAFT_DAYS * 24 * 3600_000)) {
      forget(key());
      stored = undefined;
    }
    const now = fields();
    const differs =
      stored &&
      [...new Set([...Object.keys(stored.fields), ...Object.keys(now)])].some(
        (k) => k !== 'updated_at' && k !== 'id' && (stored.fields[k] ?? '') !== (now[k] ?? ''),
      );
    if (stored && differs) {
      for (const el of [...f.elements] as (HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement)[]) {
        if (!el.name || el.name === '_csrf' || el.name === 'id' || el instanceof HTMLButtonElement) continue;
        const value = stored.fields[el.name];
        if (el instanceof HTMLInputElement && (el.type === 'checkbox' || el.type === 'radio'))
          el.checked = value === el.value;
        else if (value !== undefined || el.name !== 'updated_at') el.value = value ?? '';
      }
      editor?.commands.setContent((f.elements.namedItem('body') as HTMLTextAreaElement).value);
      f.dispatchEvent(new Event('input'));
      say(
        'استُعيد نصّ لم يُحفظ بعد، من نسخة في هذا المتصفح. راجعه ثم احفظه، أو تجاهله.',
        'Text that was not saved yet was restored from a copy in this browser. Review and save it, or discard it.',
        true,
      );
    }
  }
  let sending = false;
  f.addEventListener('submit', (e) => {
    const submitter = (e as SubmitEvent).submitter as HTMLButtonElement | null;
    // Destructive buttons ask first (below) and go as they are.
    if (sending || submitter?.dataset.confirm || f.dataset.confirm) return;
    e.preventDefault();
    keepNow();
    sessionStorage.setItem(SUBMITTED, key());
    void (async () => {
      let ready = false;
      try {
        ready = (await fetch('/readyz', { cache: 'no-store', credentials: 'omit' })).ok;
      } catch {
        ready = false;
      }
      if (!ready) {
        say(
          'تعذّر الحفظ: الخادم أو قاعدة البيانات غير متاحة الآن. نصّك محفوظ في هذا المتصفح؛ أعد المحاولة بعد قليل.',
          'Could not save: the server or its database is unavailable right now. Your text is kept in this browser; try again in a moment.',
        );
        status?.setAttribute('data-save-failed', '');
        return;
      }
      sending = true;
      state.saved();
      f.requestSubmit(submitter ?? undefined);
    })();
  });
  window.addEventListener('beforeunload', (e) => {
    if (sending || !state.isDirty()) return;
    e.preventDefault();
    e.returnValue = '';
  });
  return {
    // A new article that autosave has just created: its copy moves from the "new" slot to its id.
    adopted() {
      forget(keyFor(undefined));
      keepNow();
    },
  };
}

function arabicCount(
  n: number,
  plural: Intl.PluralRules,
  number: Intl.NumberFormat,
  [one, two, few, many]: string[],
): string {
  switch (plural.select(n)) {
    case 'one':
      return one!;
    case 'two':
      return two!;
    case 'few':
      return `${number.format(n)} ${few}`;
    default:
      return `${number.format(n)} ${many}`;
  }
}

/** Mirrors the server's slugify closely enough for a preview; the server has the last word. */
function slugPreview(title: string): string {
  return title
    .normalize('NFKC')
    .replace(/[\u064B-\u065F\u0670\u0640]/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
}

if (form) {
  const textarea = form.querySelector<HTMLTextAreaElement>('textarea[data-rich-editor]');
  const editor = textarea ? setupEditor(textarea) : undefined;
  setupForm(form, editor);
}

// Signing out leaves no text behind in this browser for whoever uses it next.
document.addEventListener('submit', (e) => {
  const target = e.target as HTMLFormElement;
  if (!/\/admin\/sign-out(-everywhere)?$/.test(new URL(target.action, location.href).pathname)) return;
  try {
    for (const k of Object.keys(localStorage)) if (k.startsWith('safir-draft:')) localStorage.removeItem(k);
  } catch {
    // storage refused: nothing was kept there either
  }
});

// Confirmations for destructive buttons, everywhere in the admin.
document.addEventListener('submit', (e) => {
  const submitter = (e as SubmitEvent).submitter as HTMLButtonElement | null;
  const message = submitter?.dataset.confirm ?? (e.target as HTMLElement).dataset.confirm;
  if (message && !window.confirm(message)) e.preventDefault();
});

// Keyboard shortcuts in the comment queue: j/k move, a approve, s spam, d trash, r reply.
const queue = document.querySelector<HTMLElement>('[data-comment-queue]');
if (queue) {
  const items = [...queue.querySelectorAll<HTMLElement>('li[data-comment-id]')];
  let current = -1;
  const select = (i: number) => {
    if (!items.length) return;
    current = Math.max(0, Math.min(items.length - 1, i));
    items.forEach((el, n) => el.classList.toggle('is-current', n === current));
    items[current]!.focus();
  };
  document.addEventListener('keydown', (e) => {
    const target = e.target as HTMLElement;
    if (e.ctrlKey || e.metaKey || e.altKey || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) return;
    const item = items[current];
    if (e.key === 'j') select(current + 1);
    else if (e.key === 'k') select(current - 1);
    else if (item && ['a', 's', 'd'].includes(e.key))
      item.querySelector<HTMLButtonElement>(`button[data-key="${e.key}"]`)?.click();
    else if (item && e.key === 'r') {
      const details = item.querySelector<HTMLDetailsElement>('details[data-reply]');
      if (details) {
        details.open = true;
        details.querySelector('textarea')?.focus();
        e.preventDefault();
      }
    } else return;
  });
}
