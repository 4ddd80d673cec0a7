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
  edit('.map((x, i) => makeContext(`${i}`)[0].resolve(x))', '.map((x, i) => (prefix.length < 200 && isPlainScalar(x) ? x : resolveChild(x, `${i}`)))');
  edit('const resolvedKey = makeContext()[0].resolve(key);', 'const resolvedKey = isPlainString(key) ? key : makeContext()[0].resolve(key);');
  edit('const value = makeContext(key)[0].resolve(obj[key]);', 'const value = prefix.length < 200 && isPlainScalar(obj[key]) ? obj[key] : resolveChild(obj[key], key);');
  edit('    function makeContext(appendPath) {\n', `    // A list element or map value is resolved with the same options as the context makeContext(key) would make for
    // it: that context is only ever the previous context of the nested call, and carries only fields copied from
    // options.previousContext, so the nested call reads the same values from options.previousContext itself.
    const resolveChild = (x, appendPath) => resolve(x, { ...options, prefix: prefix.concat([appendPath]), previousContext: options.previousContext });
    function makeContext(appendPath) {\n`);
  // containsMapToken() runs a regular expression over every key of every object; a map token key holds "TfToken[".
  edit('    if ((0, encoding_1.containsMapToken)(obj)) {', '    if (hasTokenKey(obj) && (0, encoding_1.containsMapToken)(obj)) {');
  // Here obj is an object, not a list, with no map token key: of unresolved()'s cases only isResolvable() is left.
  edit('    if ((0, encoding_1.unresolved)(obj)) {', '    if (token_1.Tokenization.isResolvable(obj)) {');
  return `${text}
// Added by hakube's build (see scripts/build.mjs). NUMBER_LIKE is encoding.js's NUMBER_TOKEN_REGEX without its g flag.
const NUMBER_LIKE = /[-|\\d|.\\+]+(e[-|\\d|.|e|E|\\+]+)/;
function isPlainString(s) {
    return !s.includes("TfToken[") && s !== token_1.Token.STRING_MAP_TOKEN_VALUE && s !== token_1.Token.ANY_MAP_TOKEN_VALUE && (!s.includes("e") || !NUMBER_LIKE.test(s));
}
function hasTokenKey(obj) {
    for (const key of Object.keys(obj)) if (key.includes("TfToken[")) return true;
    return false;
}
function isPlainScalar(x) {
    return x === undefined || typeof x === "boolean" || (typeof x === "string" && isPlainString(x));
}
`;
}
