// Used by scripts/build.mjs: an edit of cdktf's lib/tokens/private/resolve.js as bundled (test/package/cdktf-resolve.test.ts
// checks it against the original).
/**
 * cdktf's resolve() walks every value of the stack twice, and for each one builds a path string and two context
 * objects with closures before looking at it; most values are plain strings and booleans with no token in them.
 * This adds a fast path that returns such a value as it is, which is what the full path returns for it: a string
 * without "TfToken[" (every string, list and map token marker has it), not a map-token placeholder and not
 * matched by cdktf's number-token pattern. The path string is built only for an error message. Each edit must
 * apply exactly, so a cdktf upgrade that changes the file fails the build instead of silently losing the edit.
 */
export function fasterCdktfResolve(source) {
  let text = source;
  const edit = (from, to, count = 1) => {
    const found = text.split(from).length - 1;
    if (found !== count) throw new Error(`cdktf resolve.js: expected ${count} of ${JSON.stringify(from)}, found ${found}`);
    text = text.split(from).join(to);
  };
  edit('const pathName = "/" + prefix.join("/");', 'const pathName = () => "/" + prefix.join("/");');
  edit(')(pathName)', ')(pathName())', 2);
  edit(')(pathName, ', ')(pathName(), ', 2);
  edit('    if (typeof obj === "string") {\n', '    if (typeof obj === "string") {\n        if (isPlainString(obj)) return obj;\n');
  edit('.map((x, i) => makeContext(`${i}`)[0].resolve(x))', '.map((x, i) => (prefix.length < 200 && isPlainScalar(x) ? x : makeContext(`${i}`)[0].resolve(x)))');
  edit('const resolvedKey = makeContext()[0].resolve(key);', 'const resolvedKey = isPlainString(key) ? key : makeContext()[0].resolve(key);');
  edit('const value = makeContext(key)[0].resolve(obj[key]);', 'const value = prefix.length < 200 && isPlainScalar(obj[key]) ? obj[key] : makeContext(key)[0].resolve(obj[key]);');
  return `${text}
// Added by hakube's build (see scripts/build.mjs). NUMBER_LIKE is encoding.js's NUMBER_TOKEN_REGEX without its g flag.
const NUMBER_LIKE = /[-|\\d|.\\+]+(e[-|\\d|.|e|E|\\+]+)/;
function isPlainString(s) {
    return !s.includes("TfToken[") && s !== token_1.Token.STRING_MAP_TOKEN_VALUE && s !== token_1.Token.ANY_MAP_TOKEN_VALUE && !NUMBER_LIKE.test(s);
}
function isPlainScalar(x) {
    return x === undefined || typeof x === "boolean" || (typeof x === "string" && isPlainString(x));
}
`;
}
