import { readFileSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { dirname, join } from 'node:path';
import { DefaultTokenResolver, Fn, Lazy, StringConcat, TerraformStack, Token } from 'cdktf';
import { Construct } from 'constructs';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/run-cli.js';
import { EXAMPLES, emitFile } from '../terraform/synthesized.js';

type Resolve = (obj: unknown, options: Record<string, unknown>) => unknown;

const require = createRequire(import.meta.url);
const resolvePath = require.resolve('cdktf/lib/tokens/private/resolve.js');
/** cdktf's own module: its callers look `resolve` up on this object at each call. */
const cdktfResolve = require(resolvePath) as { resolve: Resolve };
const originalResolve = cdktfResolve.resolve;

const stackPath = require.resolve('cdktf/lib/terraform-stack.js');
const originalToTerraform = TerraformStack.prototype.toTerraform;

interface BuildEdits {
  fasterCdktfResolve(source: string): string;
  fasterCdktfStack(source: string): string;
}

/** A cdktf file as the build edits it, loaded beside the original so it shares cdktf's modules and token map. */
async function editedModule(path: string, edit: keyof BuildEdits): Promise<unknown> {
  const edits = (await import(join(REPO_ROOT, 'scripts/cdktf-resolve-fast-path.mjs'))) as BuildEdits;
  const loaded = new Module(path) as Module & { _compile(source: string, file: string): void; paths: string[] };
  loaded.filename = path;
  loaded.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(dirname(path));
  loaded._compile(edits[edit](readFileSync(path, 'utf8')), path);
  return loaded.exports;
}

/** The bundle's resolve.js. */
async function bundledResolve(): Promise<Resolve> {
  return ((await editedModule(resolvePath, 'fasterCdktfResolve')) as { resolve: Resolve }).resolve;
}

/** The bundle's TerraformStack.prototype.toTerraform. */
async function bundledToTerraform(): Promise<typeof originalToTerraform> {
  return ((await editedModule(stackPath, 'fasterCdktfStack')) as { TerraformStack: typeof TerraformStack }).TerraformStack.prototype.toTerraform;
}

class Root extends Construct {
  constructor() {
    super(undefined as unknown as Construct, '');
  }
}

/** The value, or the message of what it throws, so a refusal compares like a result. */
function outcome(resolve: Resolve, value: unknown): unknown {
  const stack = new TerraformStack(new Root(), 's');
  try {
    return resolve(value, { scope: stack, prefix: [], preparing: false, resolver: new DefaultTokenResolver(new StringConcat()) });
  } catch (err) {
    return `threw: ${(err as Error).message}`;
  }
}

afterEach(() => {
  cdktfResolve.resolve = originalResolve;
  TerraformStack.prototype.toTerraform = originalToTerraform;
});

describe("the bundle's faster cdktf resolve", () => {
  it('gives what cdktf gives for plain values, tokens, number-like strings, escapes and refusals', async () => {
    const faster = await bundledResolve();
    const lazy = Lazy.stringValue({ produce: () => 'made-late' });
    const deep: unknown[] = ['x'];
    let nested: unknown[] = deep;
    for (let i = 0; i < 205; i++) nested = [nested, 'plain', true, undefined];
    // Lists and maps inside lists and maps, with tokens at depth and inside functions (whose resolution changes the
    // context their arguments are resolved in), and keys with an "e" that may look like numbers.
    const deepTokens: unknown[] = [
      { outer: { inner: [Fn.join('/', ['a', lazy]), { deeper: [lazy, 'e', '2e3'] }] }, 'k-1e5': { v: lazy }, e: ['x-e-y', { y: undefined }] },
      [[['a', Fn.base64gzip(Fn.templatefile('p.yaml', { a: { b: lazy, c: ['1', lazy] } }))]], { m: Token.asAny(Lazy.anyValue({ produce: () => ({ z: lazy }) })) }],
    ];
    const values: unknown[] = [
      'plain',
      '',
      true,
      false,
      undefined,
      null,
      42,
      1e21,
      ['a', undefined, 'b', true, 3],
      { a: 'x', b: undefined, c: { d: ['y', false] }, 'key-1e5': 'v' },
      '1e5',
      'x-e-y',
      'node-1e-3',
      '${var.literal} and }',
      `prefix-${lazy}-suffix`,
      { [`k-${lazy}`]: lazy, plain: `${Token.asNumber(Lazy.numberValue({ produce: () => 7 }))}` },
      Token.asNumber(Lazy.numberValue({ produce: () => 9 })),
      Token.asList(Lazy.listValue({ produce: () => ['l1', 'l2'] })),
      [`${Token.asNumber(Lazy.numberValue({ produce: () => 5 }))}e1`],
      Token.STRING_MAP_TOKEN_VALUE,
      Token.ANY_MAP_TOKEN_VALUE,
      { nested: Token.ANY_MAP_TOKEN_VALUE },
      nested,
      ...deepTokens,
      () => 'a function',
    ];
    for (const value of values) expect(outcome(faster, value)).toEqual(outcome(originalResolve, value));
    for (const value of deepTokens) expect(JSON.stringify(outcome(faster, value))).not.toMatch(/threw|TfToken/);
  });

  it('synthesizes every example to the same Terraform JSON as cdktf', async () => {
    const faster = await bundledResolve();
    for (const example of EXAMPLES) {
      const expected = emitFile(join(REPO_ROOT, example)).files;
      cdktfResolve.resolve = faster;
      const actual = emitFile(join(REPO_ROOT, example)).files;
      cdktfResolve.resolve = originalResolve;
      expect(actual).toEqual(expected);
    }
  });

  it("skips the stack's second resolve only where it would change nothing", async () => {
    const faster = await bundledToTerraform();
    for (const example of EXAMPLES) {
      const expected = emitFile(join(REPO_ROOT, example)).files;
      TerraformStack.prototype.toTerraform = faster;
      const actual = emitFile(join(REPO_ROOT, example)).files;
      TerraformStack.prototype.toTerraform = originalToTerraform;
      expect(actual).toEqual(expected);
    }
    // Overrides may hold tokens, number-like strings and undefined values: the document then goes through resolve().
    const synthesize = (toTerraform: typeof originalToTerraform) => {
      const stack = new TerraformStack(new Root(), 's');
      stack.addOverride('locals.late', Lazy.stringValue({ produce: () => 'made-late' }));
      stack.addOverride('locals.number', Token.asNumber(Lazy.numberValue({ produce: () => 7 })));
      stack.addOverride('locals.list', ['a', undefined, '1e5', 'x-e-y', { k: undefined, n: 2 }]);
      return toTerraform.call(stack);
    };
    expect(synthesize(faster)).toEqual(synthesize(originalToTerraform));
    expect(JSON.stringify(synthesize(faster))).toContain('"locals":{"late":"made-late","number":7,"list":["a","1e5","x-e-y",{"n":2}]}');
  });
});
