/**
 * The pages Gatehouse shows people: access denied, sign-out confirmation, signed out, and
 * sign-in errors. Plain, accessible HTML (landmarks, headings, labelled controls), inline
 * styles only, no scripts, no external assets. Never a token, a cookie or internal detail:
 * a reason code, a request id, who you are signed in as, and what you can do next.
 */

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface PageContent {
  readonly title: string;
  /** Paragraphs of plain text (escaped). */
  readonly text: readonly string[];
  /** Label / value rows shown as a definition list, values in code style. */
  readonly details?: readonly (readonly [string, string])[];
  /** "Signed in as …" line. */
  readonly signedInAs?: string;
  /** A sign-out button: POST to `action` with the CSRF token. */
  readonly signOut?: { readonly action: string; readonly token: string };
  /** Links shown after the text. */
  readonly links?: readonly { readonly href: string; readonly text: string }[];
  /** A form with one button (e.g. "Sign out" on the confirmation page). */
  readonly form?: {
    readonly action: string;
    readonly fields: Readonly<Record<string, string>>;
    readonly button: string;
  };
}

const STYLE =
  'body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1a1a1a;line-height:1.5}' +
  'code{background:#eee;padding:.1rem .3rem;border-radius:3px;word-break:break-all}dt{font-weight:600;margin-top:.5rem}dd{margin:0}' +
  'button{font:inherit;padding:.4rem 1rem;border:1px solid #444;border-radius:4px;background:#fff;cursor:pointer}' +
  'button:focus,a:focus{outline:3px solid #1a5fb4;outline-offset:2px}footer{margin-top:3rem;color:#555;font-size:.9rem}';

function formHtml(action: string, fields: Readonly<Record<string, string>>, button: string): string {
  const hidden = Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('');
  return `<form method="post" action="${escapeHtml(action)}">${hidden}<button type="submit">${escapeHtml(button)}</button></form>`;
}

/** Render a whole page. */
export function renderPage(c: PageContent): string {
  const paragraphs = c.text.map((t) => `<p>${escapeHtml(t)}</p>`).join('\n');
  const details = c.details?.length
    ? `<dl>${c.details.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd><code>${escapeHtml(v)}</code></dd>`).join('')}</dl>`
    : '';
  const who = c.signedInAs ? `<p>Signed in as <strong>${escapeHtml(c.signedInAs)}</strong>.</p>` : '';
  const signOut = c.signOut ? formHtml(c.signOut.action, { csrf: c.signOut.token }, 'Sign out') : '';
  const form = c.form ? formHtml(c.form.action, c.form.fields, c.form.button) : '';
  const links = c.links?.length
    ? `<ul>${c.links.map((l) => `<li><a href="${escapeHtml(l.href)}">${escapeHtml(l.text)}</a></li>`).join('')}</ul>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(c.title)}</title>
<style>${STYLE}</style>
</head><body><main>
<h1>${escapeHtml(c.title)}</h1>
${paragraphs}
${details}
${who}
${form}
${signOut}
${links}
</main><footer>Gatehouse</footer></body></html>
`;
}
