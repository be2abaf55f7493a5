/**
 * Auto-escaping HTML templates as tagged template literals.
 *
 *   html`<h1>${title}</h1>`            // title is escaped
 *   html`<div>${raw(sanitizedBody)}</div>` // only for HTML that passed the sanitizer
 *
 * Interpolated values are escaped unless they are `SafeHtml` (the result of
 * another `html` template or of `raw`). Arrays are joined; null, undefined and
 * false render nothing. Templates are plain typed functions, so the compiler
 * checks every value a template uses.
 */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const NEEDS_ESCAPE = /[&<>"']/;
const ESCAPE_ALL = /[&<>"']/g;

export function escapeHtml(text: string): string {
  return NEEDS_ESCAPE.test(text) ? text.replace(ESCAPE_ALL, (c) => ESCAPES[c]!) : text;
}

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) {
    let out = '';
    for (const v of value) out += render(v);
    return out;
  }
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new SafeHtml(out);
}

/** Marks trusted HTML (sanitized article bodies, our own inline SVG) as safe to insert as is. */
export function raw(trusted: string): SafeHtml {
  return new SafeHtml(trusted);
}
