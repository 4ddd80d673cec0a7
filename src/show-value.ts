/** At most this many characters of a user's value appear in a message; the rest is cut with an ellipsis. */
export const SHOWN_VALUE_MAX = 60;

/** Shapes of secrets that must never be echoed back, checked in this order; the first match names the placeholder. */
const SECRET_SHAPES: Array<{ matches: (text: string) => boolean; looksLike: string }> = [
  { matches: (t) => /PRIVATE KEY/.test(t), looksLike: 'a private key' },
  { matches: (t) => /-----BEGIN /.test(t), looksLike: 'PEM key material' },
  // kubeadm bootstrap tokens: [a-z0-9]{6}.[a-z0-9]{16}.
  { matches: (t) => /(^|[^a-z0-9])[a-z0-9]{6}\.[a-z0-9]{16}($|[^a-z0-9])/.test(t), looksLike: 'a bootstrap token' },
  // A long run of mixed-case base64 with digits is a key, certificate or token far more often than a spec value.
  { matches: (t) => (t.match(/[A-Za-z0-9+/]{40,}/g) ?? []).some((run) => /[A-Z]/.test(run) && /[a-z]/.test(run) && /[0-9]/.test(run)), looksLike: 'key material or a token' },
];

/**
 * A user-supplied value (or anything read from a user's file) as it may appear in a message: quoted, control
 * characters escaped so the message stays on one line, cut to SHOWN_VALUE_MAX characters, and replaced by a
 * placeholder when it looks like key material or a token. Every message quoting a user's value goes through here.
 */
export function showValue(value: unknown): string {
  const text = typeof value === 'string' ? value : safeJson(value);
  const secret = SECRET_SHAPES.find((s) => s.matches(text));
  if (secret) return `<redacted: looks like ${secret.looksLike}>`;
  const quoted = typeof value === 'string' ? JSON.stringify(value) : escapeControl(text);
  if (quoted.length <= SHOWN_VALUE_MAX) return quoted;
  return `${quoted.slice(0, SHOWN_VALUE_MAX - 1)}…${typeof value === 'string' ? `" (${value.length} characters)` : ''}`;
}

function safeJson(value: unknown): string {
  if (typeof value !== 'object' || value === null) return String(value);
  return JSON.stringify(value) ?? String(value);
}

/** Escapes line breaks and other control characters (C0, DEL, C1, line and paragraph separators). */
export function escapeControl(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/**
 * A JSON pointer as it may appear in a message: its segments are the user's keys, so each one that is long or looks
 * like a secret is cut or replaced as showValue would, keeping the rest of the path readable.
 */
export function showPointer(pointer: string): string {
  return pointer
    .split('/')
    .map((segment) => {
      if (segment.length <= SHOWN_VALUE_MAX && !SECRET_SHAPES.some((s) => s.matches(segment))) return segment;
      return showValue(segment);
    })
    .join('/');
}

/** At most this many items of a list read from a user's file appear in a message; the rest are counted. */
export const SHOWN_LIST_MAX = 10;
/** Each item of such a list is cut to this many characters. */
const SHOWN_ITEM_MAX = 200;

/**
 * A list of names for a message (already escaped as the caller prints them): the first SHOWN_LIST_MAX, each cut to
 * a readable length, then how many more there are, so a file holding a million names makes a one-line message.
 * `noun` names what the rest are ("module(s)"); `separator` goes between items.
 */
export function showList(items: readonly string[], noun?: string, separator = ', '): string {
  const shown = items.slice(0, SHOWN_LIST_MAX).map((item) => (item.length <= SHOWN_ITEM_MAX ? item : `${item.slice(0, SHOWN_ITEM_MAX - 1)}… (${item.length} characters)`));
  const rest = items.length - shown.length;
  return rest > 0 ? `${shown.join(separator)} and ${rest.toLocaleString('en-US')} more${noun ? ` ${noun}` : ''}` : shown.join(separator);
}
