import { UserError } from '../errors.js';
import { contentHash, type GeneratedFile } from './files.js';

/** The flag that lets generate replace hand-edited files with what the spec gives. */
export const OVERWRITE_EDITS_FLAG = '--overwrite-edits';

/**
 * The files hakube recorded (path → sha256 of what it wrote, from .hakube-files) whose content in the folder is no
 * longer that: edited or removed by hand since. `present` holds the folder's current text of every file it has.
 * A record from an older hakube without hashes records nothing, so nothing counts as edited.
 */
export function handEditedFiles(recorded: Map<string, string>, present: Map<string, string>): string[] {
  const edited: string[] = [];
  for (const [path, hash] of recorded) {
    const text = present.get(path);
    if (text === undefined || contentHash(text) !== hash) edited.push(path);
  }
  return edited.sort();
}

/**
 * Refuses to write over hand edits. Staging holds a member at its previous content, which stands for what was
 * applied only if hakube wrote it: an edited file written with anything but what the spec gives (held back, whole or
 * in part) would carry the edit into the next apply as if it were running, so it is always refused. An edited file
 * that this run replaces with what the spec gives (or removes) is refused unless `overwrite`: the user chose to drop
 * the edit. One whose edited content already is what the spec gives is no conflict. `present` is the folder's text;
 * `holdsBack` says this run holds some member or the workers back for a later step.
 */
export function refuseHandEdits(
  outDir: string,
  edited: string[],
  present: Map<string, string>,
  written: GeneratedFile[],
  fresh: GeneratedFile[],
  holdsBack: boolean,
  overwrite: boolean,
): void {
  const [writes, spec] = [textOf(written), textOf(fresh)];
  // A file removed by hand while a rollout holds members back may be one of theirs: written anew, it would change too.
  const held = edited.filter((p) => (writes.has(p) && writes.get(p) !== spec.get(p)) || (holdsBack && !present.has(p)));
  const overwritten = edited.filter((p) => !held.includes(p) && writes.get(p) !== present.get(p));
  const blocking = (overwrite ? held : [...held, ...overwritten]).sort();
  if (blocking.length === 0) return;
  const lines = [`${outDir} has files that differ from what hakube last wrote there (edited by hand, or changed outside hakube): ${blocking.join(', ')}`];
  if (held.length > 0) {
    lines.push(
      `  This change holds ${held.join(', ')} back, whole or in part, at the current content: that is not what hakube wrote, so not known to be what was applied, ` +
        'and one apply could change several members. Restore them from the commit that was applied (git checkout <commit> -- <file>) first.',
    );
  }
  const flag = held.length === 0 ? `, or run generate with ${OVERWRITE_EDITS_FLAG} to replace them with what the spec gives` : '';
  lines.push(`  Put the change into the spec instead, and restore the files from git (git checkout -- <file>)${flag}. Nothing was written.`);
  throw new UserError(lines.join('\n'));
}

function textOf(files: GeneratedFile[]): Map<string, string> {
  return new Map(files.map((f) => [f.path, typeof f.content === 'string' ? f.content : Buffer.from(f.content).toString('utf8')]));
}
