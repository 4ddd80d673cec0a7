/**
 * How text from the spec reaches Terraform: as a literal, always, through ONE mechanism that no builder can forget.
 *
 * Terraform reads every JSON string (object keys included) as a template: `${file("pki/ca.key")}` in a tag or an
 * inline IAM policy would be evaluated at plan time and its result written into AWS, the plan log and the state.
 * Before that, cdktf reads every string for its own token markers (`${TfToken[N]}`, `#{TfToken[N]}`, `&{TfToken[N]}`)
 * and would replace them with its references (or crash). So spec text is never handed to the builders as it is:
 *
 * 1. emitTerraform() shields the model (every string and key, whatever field it came from) at its entry: a private
 *    mark is put between `$ % # &` and a following `{`, so neither Terraform nor cdktf sees an opener in spec text.
 *    Text without such a pair is unchanged, so names, CIDRs and ids (the schema and rules allow no such pair in them)
 *    compute, hash and compare exactly as before.
 * 2. The builders work on the shielded model; hakube's own expressions are cdktf tokens or constants, never spec text.
 * 3. After synthesis, revealSpecText() turns each shielded opener into Terraform's literal form (`$${`, `%%{`) in every
 *    string and key of the documents, or back into the text itself where Terraform reads no template (the
 *    terraform block: backend, required_providers; output descriptions).
 *
 * A field added to the spec tomorrow is covered without a change here. A JSON document in a string (an inline
 * policy) is covered too: `${aws:username}` in it reaches AWS as written, because Terraform reads `$${aws:username}`.
 */

/** Unicode private use: in no template of hakube, and doubled when spec text holds it, so shielding is reversible. */
const MARK = '\uE000';
const SHIELD = new RegExp(`[$%#&]\\{|${MARK}`, 'g');
const SHIELDED = new RegExp(`${MARK}${MARK}|([$%#&])${MARK}\\{`, 'g');

/** One string with every `$ % # &` followed by `{` split by the mark (and the mark itself doubled). */
function shieldText(text: string): string {
  return text.replace(SHIELD, (m) => (m === MARK ? MARK + MARK : `${m[0]}${MARK}{`));
}

/**
 * A deep copy of `value` (plain objects, arrays, strings and scalars, as the model is) with every string and key shielded.
 * Only emitTerraform() calls it, once, on everything it is given.
 */
export function shieldSpecText<T>(value: T): T {
  return shieldValue(value) as T;
}

function shieldValue(value: unknown): unknown {
  if (typeof value === 'string') return shieldText(value);
  if (Array.isArray(value)) return value.map(shieldValue);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [shieldValue(k), shieldValue(v)]));
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) throw new Error('BUG: the Terraform emitter was given an object that is not plain data');
  const copy = Object.create(prototype as object | null) as Record<string, unknown>;
  for (const key of Object.keys(value)) setOwn(copy, shieldText(key), shieldValue((value as Record<string, unknown>)[key]));
  return copy;
}

/** The text as it was in the spec: for what identifies spec text (a hash in an address), never for Terraform strings. */
export function originalSpecText(shielded: string): string {
  return shielded.replace(SHIELDED, (_, opener: string | undefined) => (opener === undefined ? MARK : `${opener}{`));
}

/** A template string with its shielded spec text made literal; hakube's own `${...}` in it stays an expression. */
function revealInTemplate(text: string): string {
  return text.replace(SHIELDED, (_, opener: string | undefined) => {
    if (opener === undefined) return MARK;
    return opener === '$' || opener === '%' ? `${opener}${opener}{` : `${opener}{`;
  });
}

/**
 * A synthesized Terraform JSON document with every shielded piece of spec text revealed: literal in a template,
 * as written where Terraform reads none. Confirmed with terraform 1.11: a local backend `path` of `st$${x}` names the
 * file `st$${x}`, so the terraform block (backend, required_providers) takes its strings verbatim; an output's
 * description is a static string too. Everything else hakube writes (resources, data sources, providers, locals,
 * output values) is read as templates, object keys included.
 */
export function revealSpecText(document: Record<string, unknown>): Record<string, unknown> {
  const revealed = copyOf(document);
  for (const [block, content] of Object.entries(document)) {
    if (block === 'terraform') setOwn(revealed, block, reveal(content, originalSpecText));
    else if (block === 'output' && content !== null && typeof content === 'object') {
      const outputs = copyOf(content);
      for (const [name, output] of Object.entries(content as Record<string, unknown>)) {
        const { description, ...rest } = output as Record<string, unknown>;
        setOwn(outputs, name, { ...(reveal(rest, revealInTemplate) as object), ...(description === undefined ? {} : { description: reveal(description, originalSpecText) }) });
      }
      setOwn(revealed, block, outputs);
    } else setOwn(revealed, block, reveal(content, revealInTemplate));
  }
  return revealed;
}

/** An own property even for the key "__proto__" (a tag may be named so), which plain assignment would not make. */
function setOwn(object: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
}

function copyOf(value: object): Record<string, unknown> {
  return Object.create(Object.getPrototypeOf(value) as object | null) as Record<string, unknown>;
}

/** `value` with `text` applied to every string and key. */
function reveal(value: unknown, text: (s: string) => string): unknown {
  if (typeof value === 'string') return text(value);
  if (Array.isArray(value)) return value.map((v) => reveal(v, text));
  if (value === null || typeof value !== 'object') return value;
  const copy = copyOf(value);
  for (const [key, inner] of Object.entries(value)) setOwn(copy, text(key), reveal(inner, text));
  return copy;
}
