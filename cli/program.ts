/**
 * The `bagvault` command line (SPEC §6) on commander. Only commander is loaded up front: each
 * command's module (and the SDKs, hashing threads, tar code behind it) is imported when that command
 * runs, so `bagvault --help` starts in tens of milliseconds.
 */
import { Command, CommanderError, Option } from 'commander';
import { UsageError } from './usage-error.ts';

type Action = () => Promise<number | void>;

/** Runs a command's action and turns its outcome into the exit code: 2 usage, 1 failure, 0 done. */
async function exitWith(command: string, action: Action): Promise<void> {
  try {
    process.exitCode = (await action()) ?? 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`bagvault ${command}: ${error.message}\n(see bagvault ${command} --help)`);
      process.exitCode = 2;
      return;
    }
    console.error(`bagvault ${command}: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}

const json = () => new Option('--json', 'print machine-readable JSON on stdout');

export function buildProgram(): Command {
  const program = new Command('bagvault')
    .description(
      'A client of the Bagvault preservation store. API commands read BAGVAULT_URL (e.g.\n' +
        'http://127.0.0.1:4000) and BAGVAULT_KEY (user:secret) from the environment.',
    )
    .usage('<command> [options]')
    .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'bagvault: ')) });
  program.addHelpText('afterAll', '\nExit codes: 0 done, 1 failed (reason on stderr), 2 usage error.');

  program
    .command('validate')
    .description('validate a bag directory or .tar.gz offline (RFC 8493): 0 valid, 1 invalid')
    .usage('PATH [--quiet]')
    .argument('[arguments...]')
    // validate parses its own flags (--quiet, --help) and prints its own usage, with its exit codes.
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (args: string[]) => {
      const { run } = await import('./validate.ts');
      process.exitCode = await run(args);
    });

  program
    .command('ingest')
    .description('upload a bag (directory or .tar.gz) and start its ingest')
    .argument('<path>', 'a bag directory (streamed as tar.gz) or a .tar.gz file')
    .requiredOption('--space <space>', 'the space to store the bag in')
    .option('--update', 'store a new version of an existing bag (default: create v1)')
    .option('--wait', 'follow the ingest until it ends: exit 0 only when it succeeded')
    .option(
      '--external-identifier <id>',
      "the bag's identifier (default: External-Identifier in bag-info.txt)",
    )
    .addOption(json())
    .addHelpText(
      'after',
      '\nAn interrupted upload resumes when the same command is run again (parts already uploaded\n' +
        'are checked and skipped). State is kept in $BAGVAULT_STATE_DIR (default ~/.cache/bagvault).',
    )
    .action((path: string, options: IngestCliOptions) =>
      exitWith('ingest', async () => (await import('./ingest.ts')).ingest(path, options)),
    );

  const cart = program.command('cart').description('request, watch, download and delete carts (tar bundles)');
  cart
    .command('create')
    .description('request a cart: every file of a stored bag version, or a Pacifica fileids.json')
    .argument('[cart-id]', 'the cart id (default: a new UUID, printed)')
    .option('--bag <space/id>', 'put every file of this bag in the cart, at its path in the bag')
    .option('--version <vN>', 'the bag version (default: the latest)')
    .option('--fileids <file>', 'a JSON file {"fileids":[{"id","path","hashtype","hashsum"}]}')
    .addOption(json())
    .action((cartId: string | undefined, options: CartCreateOptions) =>
      exitWith('cart create', async () => (await import('./carts.ts')).createCart(cartId, options)),
    );
  cart
    .command('status')
    .description("print a cart's status (waiting, staging, bundling, ready, error)")
    .argument('<cart-id>')
    .option('--wait', 'wait until the cart is ready or in error (exit 1 on error)')
    .addOption(json())
    .action((cartId: string, options: { wait?: boolean; json?: boolean }) =>
      exitWith('cart status', async () => (await import('./carts.ts')).cartStatus(cartId, options)),
    );
  cart
    .command('download')
    .description('download a ready cart as a tar file')
    .argument('<cart-id>')
    .option('-o, --output <file>', 'where to write the tar (default: the name the server gives)')
    .option('--wait', 'wait for the cart to be ready first')
    .addOption(json())
    .action((cartId: string, options: CartDownloadOptions) =>
      exitWith('cart download', async () => (await import('./carts.ts')).downloadCart(cartId, options)),
    );
  cart
    .command('delete')
    .description('delete a cart and its bundle')
    .argument('<cart-id>')
    .addOption(json())
    .action((cartId: string, options: { json?: boolean }) =>
      exitWith('cart delete', async () => (await import('./carts.ts')).deleteCart(cartId, options)),
    );

  const bag = program.command('bag').description('show, list, check and export stored bags');
  const bagId = (command: Command) => command.argument('<space/id>', 'the bag, e.g. digitised/b1234');
  bagId(bag.command('show'))
    .description("print a bag version's storage manifest summary")
    .option('--version <vN>', 'the version (default: the latest)')
    .addOption(json())
    .action((id: string, options: BagOptions) =>
      exitWith('bag show', async () => (await import('./bags.ts')).showBag(id, options)),
    );
  bagId(bag.command('versions'))
    .description("list a bag's versions, newest first")
    .addOption(json())
    .action((id: string, options: BagOptions) =>
      exitWith('bag versions', async () => (await import('./bags.ts')).bagVersions(id, options)),
    );
  bagId(bag.command('events'))
    .description("print a bag's preservation history, oldest first")
    .addOption(json())
    .action((id: string, options: BagOptions) =>
      exitWith('bag events', async () => (await import('./bags.ts')).bagEvents(id, options)),
    );
  bagId(bag.command('fixity'))
    .description("list a bag's fixity runs; with --start or --wait, start a new one")
    .option('--start', 'start a fixity check of every file in every location and print its id')
    .option('--wait', 'start a fixity check and follow it to the end: exit 0 only when it passed')
    .option('--version <vN>', 'the version to check (with --start or --wait; default: the latest)')
    .addOption(json())
    .addHelpText(
      'after',
      '\nWithout --start or --wait it only lists the runs so far (starting a check reads every copy).\n' +
        'With --wait it prints the outcome and how many files were missing, changed, untracked and\n' +
        'repaired; exit 0 when every copy verifies (after any repair), 1 otherwise.',
    )
    .action((id: string, options: BagOptions & { start?: boolean; wait?: boolean }) =>
      exitWith('bag fixity', async () => (await import('./bags.ts')).bagFixity(id, options)),
    );
  bagId(bag.command('export'))
    .description('write a stored version as a complete BagIt bag, verifying every checksum')
    .argument('<dir>', 'the directory to create (must not exist or be empty)')
    .option('--version <vN>', 'the version (default: the latest)')
    .addOption(json())
    .action((id: string, dir: string, options: BagOptions) =>
      exitWith('bag export', async () => (await import('./bag-export.ts')).exportBag(id, dir, options)),
    );

  const space = program.command('space').description('create, show, list and update spaces');
  const spaceId = (command: Command) => command.argument('<id>', 'the space, e.g. digitised');
  const quota = (what: string) => new Option('--quota <bytes>', what);
  spaceId(space.command('create'))
    .description('create a space (admin)')
    .option('--description <text>', 'what the space holds')
    .addOption(quota('the most bytes its bags may hold (default: no quota)'))
    .addOption(json())
    .action((id: string, options: SpaceCliOptions) =>
      exitWith('space create', async () => (await import('./spaces.ts')).createSpace(id, options)),
    );
  spaceId(space.command('update'))
    .description("change a space's description or quota (admin)")
    .option('--description <text>', 'what the space holds')
    .addOption(quota('the most bytes its bags may hold, or none to lift the quota'))
    .addOption(json())
    .action((id: string, options: SpaceCliOptions) =>
      exitWith('space update', async () => (await import('./spaces.ts')).updateSpace(id, options)),
    );
  spaceId(space.command('show'))
    .description("print a space's quota, bytes used and bag count")
    .addOption(json())
    .action((id: string, options: { json?: boolean }) =>
      exitWith('space show', async () => (await import('./spaces.ts')).showSpace(id, options)),
    );
  space
    .command('list')
    .description('list the spaces your key may use')
    .addOption(json())
    .action((options: { json?: boolean }) =>
      exitWith('space list', async () => (await import('./spaces.ts')).listSpaces(options)),
    );

  const deletion = program
    .command('deletion')
    .description('request, approve, reject and list bag deletions (two people: requester and approver)');
  bagId(deletion.command('request'))
    .description('ask for a bag to be deleted, every version in every location (delete-request role)')
    .requiredOption('--reason <text>', "why: kept in the tombstone and the bag's history")
    .addOption(json())
    .action((id: string, options: { reason: string; json?: boolean }) =>
      exitWith('deletion request', async () => (await import('./deletions.ts')).requestDeletion(id, options)),
    );
  for (const decision of ['approve', 'reject'] as const) {
    deletion
      .command(decision)
      .description(
        decision === 'approve'
          ? 'approve a request and start the deletion (delete-approve role; not the requester)'
          : 'reject a request: the bag stays (delete-approve role; not the requester)',
      )
      .argument('<request-id>', 'the id `deletion request` printed (see `deletion list`)')
      .addOption(json())
      .action((id: string, options: { json?: boolean }) =>
        exitWith(`deletion ${decision}`, async () =>
          (await import('./deletions.ts')).decideDeletion(decision, id, options),
        ),
      );
  }
  deletion
    .command('list')
    .description('list deletion requests in your spaces')
    .addOption(
      new Option('--status <status>', 'which requests')
        .choices(['open', 'approved', 'rejected'])
        .default('open'),
    )
    .addOption(json())
    .action((options: { status?: string; json?: boolean }) =>
      exitWith('deletion list', async () => (await import('./deletions.ts')).listDeletions(options)),
    );

  const admin = program.command('admin').description('manage API keys');
  const keyOptions = (command: Command) =>
    command
      .requiredOption('--user <user>', 'the user the key is for')
      .requiredOption('--spaces <spaces>', 'comma-separated spaces, or * for all')
      .requiredOption(
        '--roles <roles>',
        'comma-separated: read, ingest, delete-request, delete-approve, admin',
      )
      .addOption(json());
  keyOptions(admin.command('create-key'))
    .description("create an API key over the API and print it once (replaces the user's old key)")
    .action((options: { user: string; spaces: string; roles: string; json?: boolean }) =>
      exitWith('admin create-key', async () => (await import('./admin.ts')).createKey(options)),
    );
  keyOptions(admin.command('bootstrap-key'))
    .description('write the first admin key of a stack straight into its table (no key needed yet)')
    .addHelpText(
      'after',
      '\nAgainst the local stack by default (BAGVAULT_DYNAMODB_PORT, table "bagvault"); for a deployed\n' +
        'stack set BAGVAULT_TABLE to its TableName output, AWS_REGION, and use your AWS credentials.',
    )
    .action((options: { user: string; spaces: string; roles: string; json?: boolean }) =>
      exitWith('admin bootstrap-key', async () => (await import('./admin.ts')).bootstrapKey(options)),
    );
  admin
    .command('list-keys')
    .description('list API keys (never their secrets)')
    .addOption(json())
    .action((options: { json?: boolean }) =>
      exitWith('admin list-keys', async () => (await import('./admin.ts')).listKeys(options)),
    );
  admin
    .command('revoke-key')
    .description("revoke a user's API key")
    .argument('<user>')
    .addOption(json())
    .action((user: string, options: { json?: boolean }) =>
      exitWith('admin revoke-key', async () => (await import('./admin.ts')).revokeKey(user, options)),
    );

  for (const command of [program, ...program.commands, ...program.commands.flatMap((c) => c.commands)]) {
    command.exitOverride().showHelpAfterError();
  }
  return program;
}

export interface IngestCliOptions {
  space: string;
  update?: boolean;
  wait?: boolean;
  externalIdentifier?: string;
  json?: boolean;
}
export interface CartCreateOptions {
  bag?: string;
  version?: string;
  fileids?: string;
  json?: boolean;
}
export interface CartDownloadOptions {
  output?: string;
  wait?: boolean;
  json?: boolean;
}
export interface SpaceCliOptions {
  description?: string;
  quota?: string;
  json?: boolean;
}
export interface BagOptions {
  version?: string;
  json?: boolean;
}

/** Help and version are successes; every other parse error is a usage error (exit 2). */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  if (argv.length === 0) {
    program.outputHelp({ error: true });
    process.exitCode = 2;
    return;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    // commander exits 0 after help it was asked for, 1 after anything it could not parse.
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  }
}
