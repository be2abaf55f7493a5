import type { CommentNode } from '../../comments/service.js';
import { paths } from '../../content/urls.js';
import { html, raw, escapeHtml, type SafeHtml } from './html.js';
import { avatar, timeTag } from './components.js';
import type { ViewContext } from './view-context.js';

/** What the reader typed, kept after an error so nothing is lost. */
export interface CommentFormState {
  author: string;
  email: string;
  url: string;
  comment: string;
  parent: string;
  notify: boolean;
}

export interface CommentsView {
  articleSlug: string;
  count: number;
  threads: CommentNode[];
  page: number;
  pages: number;
  open: boolean;
  token: string;
  depth: number;
  /** The writer's own comment awaiting moderation, shown only to them. */
  pending?: CommentNode;
  form?: CommentFormState;
  errors?: Record<string, string>;
  /** `?replytocom=` without JavaScript. */
  replyTo?: { id: number; name: string };
}

/**
 * A reader's text made safe: everything escaped, line breaks kept, and
 * http(s) links turned into anchors that pass no ranking and no opener.
 */
export function commentText(text: string): SafeHtml {
  const parts = text.split(/(https?:\/\/[^\s<>"']+)/g);
  const out = parts
    .map((part, i) => {
      if (i % 2 === 0) return escapeHtml(part);
      const trimmed = part.replace(/[.,;:!?،؛)\]]+$/, '');
      const tail = part.slice(trimmed.length);
      return `<a href="${escapeHtml(trimmed)}" rel="nofollow ugc noopener" dir="ltr">${escapeHtml(trimmed)}</a>${escapeHtml(tail)}`;
    })
    .join('');
  return raw(
    out
      .split(/\n{2,}/)
      .map((p) => `<p>${p.replace(/\n/g, '<br>')}</p>`)
      .join(''),
  );
}

function commentItem(ctx: ViewContext, v: CommentsView, c: CommentNode, level: number, pending = false): SafeHtml {
  const { t } = ctx;
  const name = c.author_url
    ? html`<a href="${c.author_url}" rel="nofollow ugc noopener" dir="auto">${c.author_name}</a>`
    : html`<span dir="auto">${c.author_name}</span>`;
  return html`<li id="comment-${c.id}" class="comment${c.user_id ? ' comment-staff' : ''}${pending ? ' comment-pending' : ''}">
<article aria-labelledby="comment-${c.id}-by">
<header class="comment-meta">
${avatar(c.author_name, null)}
<p id="comment-${c.id}-by" class="comment-author">${name}${c.user_id ? html` <span class="badge">${t.staffBadge}</span>` : ''}</p>
<a class="comment-date" href="${paths.article(v.articleSlug)}#comment-${c.id}" title="${t.commentPermalink}">${timeTag(ctx, c.created_at)}</a>
</header>
${pending ? html`<p class="notice" role="status">${t.awaitingModeration}</p>` : ''}
<div class="comment-body" dir="auto">${commentText(c.body)}</div>
${
  v.open && !pending && level < v.depth
    ? html`<a class="comment-reply" href="${paths.article(v.articleSlug)}?replytocom=${c.id}#respond" data-reply-to="${c.id}" data-reply-name="${c.author_name}">${t.reply}</a>`
    : ''
}
</article>
${c.replies.length ? html`<ol class="comment-replies">${c.replies.map((r) => commentItem(ctx, v, r, level + 1))}</ol>` : ''}
</li>`;
}

function field(id: string, label: string, input: SafeHtml, error: string | undefined, required: boolean): SafeHtml {
  return html`<p class="comment-field">
<label for="${id}">${label}${required ? html` <span class="required" aria-hidden="true">*</span>` : ''}</label>
${error ? html`<span class="field-error" id="${id}-error">${error}</span>` : ''}
${input}
</p>`;
}

export function commentsSection(ctx: ViewContext, v: CommentsView): SafeHtml {
  const { t, fmt } = ctx;
  const f = v.form ?? { author: '', email: '', url: '', comment: '', parent: '', notify: false };
  const e = v.errors ?? {};
  const attrs = (id: string) => (e[id] ? raw(` aria-invalid="true" aria-describedby="${id}-error"`) : raw(''));
  const parent = v.replyTo ? String(v.replyTo.id) : f.parent;
  return html`<section id="comments" class="comments" aria-labelledby="comments-title">
<h2 id="comments-title">${fmt.plural(t.commentCount, v.count)}</h2>
${
  v.threads.length || v.pending
    ? html`<ol class="comment-list">${v.threads.map((c) => commentItem(ctx, v, c, 1))}${v.pending ? commentItem(ctx, v, v.pending, 1, true) : ''}</ol>`
    : ''
}
${
  v.pages > 1
    ? html`<nav class="pagination" aria-label="${t.commentPages}">${Array.from(
        { length: v.pages },
        (_, i) => i + 1,
      ).map((p) =>
        p === v.page
          ? html`<span aria-current="page">${fmt.digits(p)}</span>`
          : html`<a href="${paths.article(v.articleSlug)}?cpage=${p}#comments">${fmt.digits(p)}</a>`,
      )}</nav>`
    : ''
}
${
  v.open
    ? html`<div id="respond" class="comment-respond">
<h3 id="reply-title">${v.replyTo ? t.leaveReply(v.replyTo.name) : t.leaveComment}
${v.replyTo ? html` <a class="cancel-reply" href="${paths.article(v.articleSlug)}#respond">${t.cancelReply}</a>` : ''}</h3>
${e._form ? html`<p class="notice error" role="alert">${e._form}</p>` : ''}
<form class="comment-form" method="post" action="${paths.article(v.articleSlug)}/comments" data-comment-form novalidate>
<p class="comment-notes"><span>${t.emailPrivate}</span> <span>${t.requiredFields}</span></p>
${field('comment', t.commentText, html`<textarea id="comment" name="comment" rows="6" maxlength="5000" required dir="auto"${attrs('comment')}>${f.comment}</textarea>`, e.comment, true)}
${field('author', t.commentName, html`<input id="author" name="author" type="text" maxlength="100" required autocomplete="name" dir="auto" value="${f.author}"${attrs('author')}>`, e.author, true)}
${field('email', t.commentEmail, html`<input id="email" name="email" type="email" maxlength="254" required autocomplete="email" dir="ltr" value="${f.email}"${attrs('email')}>`, e.email, true)}
${field('url', t.commentWebsite, html`<input id="url" name="url" type="url" maxlength="200" autocomplete="url" dir="ltr" value="${f.url}"${attrs('url')}>`, e.url, false)}
<p class="comment-hp" aria-hidden="true"><label for="contact_me">${t.honeypotLabel}</label><input id="contact_me" name="contact_me" type="text" tabindex="-1" autocomplete="off"></p>
<p class="comment-check"><input id="remember" name="remember" type="checkbox" value="1"> <label for="remember">${t.rememberMe}</label></p>
<p class="comment-check"><input id="notify" name="notify" type="checkbox" value="1"${f.notify ? raw(' checked') : ''}> <label for="notify">${t.notifyReplies}</label></p>
<input type="hidden" name="parent" value="${parent}">
<input type="hidden" name="token" value="${v.token}">
<p><button type="submit">${t.sendComment}</button></p>
<p class="comment-status" role="status" aria-live="polite"></p>
</form>
</div>`
    : html`<p class="meta">${t.commentsClosed}</p>`
}
</section>`;
}
