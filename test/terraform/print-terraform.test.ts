import { describe, expect, it } from 'vitest';
import { printTerraformJson } from '../../src/emit/terraform/print-terraform.js';

describe('printTerraformJson', () => {
  it('sorts keys at every level, keeps array order and keeps a "__proto__" key as an ordinary key', () => {
    const tags = JSON.parse('{"__proto__": "p", "b": "2", "a": "1"}') as unknown;
    const text = printTerraformJson({ z: [3, { y: 1, x: 2 }, 1], tags, m: null });
    expect(text).toBe(
      '{\n  "m": null,\n  "tags": {\n    "__proto__": "p",\n    "a": "1",\n    "b": "2"\n  },\n  "z": [\n    3,\n    {\n      "x": 2,\n      "y": 1\n    },\n    1\n  ]\n}\n',
    );
  });
});
