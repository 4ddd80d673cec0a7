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
/** `text` with every `from` replaced by `to`, refusing (for `file`) unless `from` occurs exactly `count` times. */
function editExactly(file, text, from, to, count = 1) {
  const found = text.split(from).length - 1;
  if (found !== count) throw new Error(`cdktf ${file}: expected ${count} of ${JSON.stringify(from)}, found ${found}`);
  return text.split(from).join(to);
}

/** encoding.js's NUMBER_TOKEN_REGEX without its g flag, as source text for both edits' added code. */
const NUMBER_LIKE = '/[-|\\d|.\\+]+(e[-|\\d|.|e|E|\\+]+)/';

export function fasterCdktfResolve(source) {
  let text = source;
  const edit = (from, to, count = 1) => {
    text = editExactly('resolve.js', text, from, to, count);
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
const NUMBER_LIKE = ${NUMBER_LIKE};
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

/**
 * cdktf's TerraformStack.toTerraform() resolves every element's block, merges the blocks, then resolves the merged
 * document a second time, walking every value again. That second walk changes nothing in a document with no token
 * left in it but drop its undefined values: this edit returns such a document copied without them (what resolve()
 * returns for it) and leaves any other document, one with a token, a map token or a number-token-like string, to
 * resolve(). Used by scripts/build.mjs on cdktf's lib/terraform-stack.js; test/package/cdktf-resolve.test.ts checks
 * it against the original.
 */
export function fasterCdktfStack(source) {
  const text = editExactly(
    'terraform-stack.js',
    source,
    '        return (0, _tokens_1.resolve)(this, tf);\n',
    '        const resolved = resolvedCopy(tf, 0);\n        return resolved !== NOT_RESOLVED ? resolved : (0, _tokens_1.resolve)(this, tf);\n',
  );
  return `${text}
// Added by hakube's build (see scripts/build.mjs): resolvedCopy() gives resolve()'s result for a document without
// tokens, or NOT_RESOLVED. NUMBER_LIKE is the number-token pattern the resolve edit above also uses.
const NOT_RESOLVED = Symbol("not resolved");
const NUMBER_LIKE = ${NUMBER_LIKE};
function isResolvedString(s) {
    return !s.includes("TfToken[") && !(s.includes("e") && NUMBER_LIKE.test(s));
}
function resolvedCopy(x, depth) {
    if (x === undefined || x === null || typeof x === "boolean") return x;
    if (typeof x === "string") return isResolvedString(x) ? x : NOT_RESOLVED;
    // Token numbers are doubles near the top of the range (exponent bits 0x7bf and 0x7df).
    if (typeof x === "number") return Math.abs(x) < 1e200 ? x : NOT_RESOLVED;
    // resolve() refuses deeper documents as circular: leave those to it.
    if (typeof x !== "object" || depth > 190) return NOT_RESOLVED;
    if (Array.isArray(x)) {
        const copy = [];
        for (const element of x) {
            const value = resolvedCopy(element, depth + 1);
            if (value === NOT_RESOLVED) return NOT_RESOLVED;
            if (value !== undefined) copy.push(value);
        }
        return copy;
    }
    if (Object.getPrototypeOf(x) !== Object.prototype) return NOT_RESOLVED;
    const copy = {};
    for (const key of Object.keys(x)) {
        if (!isResolvedString(key)) return NOT_RESOLVED;
        const value = resolvedCopy(x[key], depth + 1);
        if (value === NOT_RESOLVED) return NOT_RESOLVED;
        if (value !== undefined) copy[key] = value;
    }
    return copy;
}
`;
}
