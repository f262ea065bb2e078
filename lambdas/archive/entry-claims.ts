import { ArchiveRefusedError } from './archive-refused-error.ts';

/**
 * Every path an archive has used so far, as a file or as a directory. Two entries for one path
 * would make the stored content depend on which one won, and a file where a directory is (or the
 * other way round) cannot be stored at all.
 *
 * The two sets never share a path, and a directory's ancestors are directories too: so a file whose
 * parent is already a directory needs no look at the ancestors above it (the common case in an
 * archive of many files). `quoted` names the entry in a refusal; it is called only then.
 */
export class EntryClaims {
  private readonly files = new Set<string>();
  private readonly directories = new Set<string>();

  claimFile(path: string, quoted: () => string): void {
    if (this.files.has(path)) throw new ArchiveRefusedError(`Archive entry ${quoted()} appears twice`);
    if (this.directories.has(path)) {
      throw new ArchiveRefusedError(
        `Archive entry ${quoted()} is a file where the archive also has a directory`,
      );
    }
    const slash = path.lastIndexOf('/');
    if (slash !== -1 && !this.directories.has(path.slice(0, slash))) {
      for (const ancestor of ancestorsOf(path)) {
        if (this.files.has(ancestor)) {
          throw new ArchiveRefusedError(
            `Archive entry ${quoted()} is inside ${JSON.stringify(ancestor)}, which the archive has as a file`,
          );
        }
        this.directories.add(ancestor);
      }
    }
    this.files.add(path);
  }

  claimDirectory(path: string, quoted: () => string): void {
    if (path === '') return;
    for (const directory of [...ancestorsOf(path), path]) {
      if (this.files.has(directory)) {
        throw new ArchiveRefusedError(
          `Archive entry ${quoted()} is a directory where the archive also has a file ${JSON.stringify(directory)}`,
        );
      }
      this.directories.add(directory);
    }
  }
}

function* ancestorsOf(path: string): Generator<string> {
  for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) {
    yield path.slice(0, slash);
  }
}
