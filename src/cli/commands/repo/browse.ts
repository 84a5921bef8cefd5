import type { Command } from 'commander';
import { LifeboatError } from '../../../core/errors.ts';
import { diff, dump, find, ls, type TreeNode } from '../../../repository/index.ts';
import { filterSnapshots } from '../../../repository/maintenance/index.ts';
import { formatLocalTime } from '../../output/format.ts';
import { writeJson } from '../../output/json.ts';
import { collect, runRepoCommand } from './context.ts';
import { describeSnapshot, type FilterOptions, filterFrom, findSnapshot } from './snapshot-ref.ts';

/** `-rw-r--r--`-style permissions of a Go file mode (type from the node, permission bits from the mode). */
function modeString(node: TreeNode): string {
  const kind =
    { dir: 'd', symlink: 'L', dev: 'D', chardev: 'c', fifo: 'p', socket: 'S' }[node.type as string] ?? '-';
  const perm = node.mode ?? 0;
  let s = kind;
  for (let i = 8; i >= 0; i--) s += perm & (1 << i) ? 'rwx'[(8 - i) % 3] : '-';
  return s;
}

function longLine(path: string, node: TreeNode): string {
  const size = node.type === 'file' ? String(node.size ?? 0) : '0';
  return `${modeString(node)} ${String(node.uid).padStart(5)} ${String(node.gid).padStart(5)} ${size.padStart(10)} ${formatLocalTime(node.mtime)} ${path}`;
}

function nodeJson(path: string, node: TreeNode): Record<string, unknown> {
  return {
    name: node.name,
    type: node.type,
    path,
    uid: node.uid,
    gid: node.gid,
    size: node.type === 'file' ? (node.size ?? 0) : undefined,
    mode: node.mode,
    mtime: node.mtime,
    atime: node.atime,
    ctime: node.ctime,
    struct_type: 'node',
  };
}

export function registerBrowse(repo: Command): void {
  repo
    .command('ls')
    .description('list the files of a snapshot (or of one directory in it)')
    .argument('<snapshot>', 'snapshot id, unique prefix or "latest"')
    .argument('[path]', 'list only below this path', '/')
    .option('-l, --long', 'show mode, owner, size and modification time')
    .action(async (ref: string, path: string, flags: { long?: boolean }, command: Command) => {
      await runRepoCommand(command, async (ctx, r) => {
        const snap = await findSnapshot(r, ref);
        const entries = await ls(r, snap, path);
        if (ctx.json) {
          const { id, ...rest } = snap;
          writeJson(ctx.out, { ...rest, id, short_id: id.slice(0, 8), struct_type: 'snapshot' });
          for (const e of entries) writeJson(ctx.out, nodeJson(e.path, e.node));
          return;
        }
        ctx.note(`${describeSnapshot(snap)}:`);
        for (const e of entries) ctx.out.write(`${flags.long ? longLine(e.path, e.node) : e.path}\n`);
      });
    });

  repo
    .command('find')
    .description('find files by name (or, for patterns with a /, by path) in snapshots')
    .argument('<pattern>', 'shell pattern: * ? [abc]')
    .option('-s, --snapshot <id>', 'search only this snapshot (repeatable; default all)', collect)
    .option('--host <name>', 'only snapshots of this host (repeatable)', collect)
    .option('--tag <tags>', 'only snapshots with these tags (repeatable)', collect)
    .option('--path <path>', 'only snapshots including this path (repeatable)', collect)
    .option('-l, --long', 'show mode, owner, size and modification time')
    .action(
      async (
        pattern: string,
        flags: FilterOptions & { snapshot?: string[]; long?: boolean },
        command: Command,
      ) => {
        await runRepoCommand(command, async (ctx, r) => {
          const snapshots = flags.snapshot
            ? await Promise.all(flags.snapshot.map((id) => findSnapshot(r, id)))
            : filterSnapshots(await r.listSnapshots(), filterFrom(flags));
          const matches = await find(r, snapshots, pattern);
          if (ctx.json) {
            writeJson(
              ctx.out,
              snapshots
                .map((s) => {
                  const hits = matches.filter((m) => m.snapshotId === s.id);
                  return {
                    matches: hits.map((m) => nodeJson(m.path, m.node)),
                    hits: hits.length,
                    snapshot: s.id,
                  };
                })
                .filter((g) => g.hits > 0),
            );
            return;
          }
          for (const s of snapshots) {
            const hits = matches.filter((m) => m.snapshotId === s.id);
            if (hits.length === 0) continue;
            ctx.out.write(
              `Found matching entries in snapshot ${s.id.slice(0, 8)} from ${formatLocalTime(s.time)}\n`,
            );
            for (const m of hits) ctx.out.write(`${flags.long ? longLine(m.path, m.node) : m.path}\n`);
            ctx.out.write('\n');
          }
          if (matches.length === 0) ctx.note(`no entry matches ${pattern}`);
        });
      },
    );

  repo
    .command('diff')
    .description('show what changed between two snapshots')
    .argument('<snapshot-a>')
    .argument('<snapshot-b>')
    .action(async (a: string, b: string, _flags: object, command: Command) => {
      await runRepoCommand(command, async (ctx, r) => {
        const sa = await findSnapshot(r, a);
        const sb = await findSnapshot(r, b);
        const changes = await diff(r, sa, sb);
        const count = (c: string) => changes.filter((x) => x.change === c).length;
        if (ctx.json) {
          for (const c of changes)
            writeJson(ctx.out, { message_type: 'change', path: c.path, modifier: c.change });
          writeJson(ctx.out, {
            message_type: 'statistics',
            source_snapshot: sa.id,
            target_snapshot: sb.id,
            added: count('+'),
            removed: count('-'),
            changed: count('M'),
            type_changed: count('T'),
            metadata_changed: count('U'),
          });
          return;
        }
        ctx.note(`comparing snapshot ${sa.id.slice(0, 8)} to ${sb.id.slice(0, 8)}:`);
        for (const c of changes) ctx.out.write(`${c.change}    ${c.path}\n`);
        ctx.note(
          `\n${count('+')} added, ${count('-')} removed, ${count('M')} changed, ${count('T')} changed type, ${count('U')} metadata only`,
        );
      });
    });

  repo
    .command('dump')
    .description('write one file of a snapshot to standard output')
    .argument('<snapshot>', 'snapshot id, unique prefix or "latest"')
    .argument('<path>', 'the file, as its path in the snapshot')
    .action(async (ref: string, path: string, _flags: object, command: Command) => {
      await runRepoCommand(command, async (_ctx, r) => {
        const snap = await findSnapshot(r, ref);
        try {
          await dump(r, snap, path, process.stdout);
        } catch (err) {
          if (err instanceof LifeboatError && err.code === 'Invalid') {
            throw new LifeboatError(
              'Invalid',
              `${err.message}; dump writes single files (use restore for directories)`,
            );
          }
          throw err;
        }
      });
    });
}
